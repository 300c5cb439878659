"""The slow motion project object of API answers and webhooks."""
from rest_framework import serializers

from apps.jobs.serializers import JobOutputSerializer

from .models import SlowMotionJob
from .pricing import slowmotion_job_price


class SlowMotionJobOutputSerializer(JobOutputSerializer):
    slowdown_factor = serializers.IntegerField()
    quality = serializers.CharField()
    mode = serializers.CharField()
    duration_seconds = serializers.FloatField(allow_null=True)
    estimated_credits = serializers.SerializerMethodField()
    interpolator = serializers.SerializerMethodField()
    output_fps = serializers.SerializerMethodField()
    fps_capped = serializers.SerializerMethodField()

    def get_interpolator(self, job: SlowMotionJob) -> str | None:
        return job.report.get("interpolator")

    def get_output_fps(self, job: SlowMotionJob) -> float | None:
        return job.report.get("output_fps")

    def get_fps_capped(self, job: SlowMotionJob) -> bool:
        return bool(job.report.get("fps_capped", False))

    def get_estimated_credits(self, job: SlowMotionJob) -> int:
        if job.duration_seconds is None:
            return job.credits_charged
        return slowmotion_job_price(job)


class SlowMotionEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    slowmotion = SlowMotionJobOutputSerializer()
