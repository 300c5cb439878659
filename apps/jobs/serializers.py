"""Output shapes of jobs, shared by every endpoint that returns one."""
from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from apps.core.storage import media_storage

from .models import FaceSwapJob, Job, JobStatus, SlowMotionJob
from .selectors import job_expires_at_get


def job_output_media_url(job: Job) -> str | None:
    """A signed link that lives as long as the output is kept; None once it was deleted."""
    if job.status != JobStatus.DONE or not job.output_file or job.expired_at is not None:
        return None
    expires_at = job_expires_at_get(job=job)
    if expires_at <= timezone.now():  # due for deletion, the sweep just hasn't run yet
        return None
    return media_storage().url(job.output_file, expires_at=expires_at)


def job_error(job: Job) -> str | None:
    if job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        return job.error or job.status
    return None


class JobProgressOutputSerializer(serializers.Serializer):
    """The state every job answer carries."""

    id = serializers.UUIDField()
    status = serializers.CharField()
    progress_percentage = serializers.IntegerField()
    output_media_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    expires_at = serializers.SerializerMethodField(
        help_text="Extension: when the job's inputs and output are (or were) deleted; null while it runs."
    )

    def get_expires_at(self, job: Job) -> datetime | None:
        expires_at = job_expires_at_get(job=job)
        return serializers.DateTimeField().to_representation(expires_at) if expires_at else None

    def get_output_media_url(self, job: Job) -> str | None:
        return job_output_media_url(job)

    def get_error(self, job: Job) -> str | None:
        return job_error(job)


class _JobFields(JobProgressOutputSerializer):
    credits_charged = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()


class FaceSwapJobOutputSerializer(_JobFields):
    name = serializers.CharField()
    description = serializers.CharField()
    gquality = serializers.CharField()
    enhance = serializers.BooleanField()
    media_type = serializers.CharField()
    duration_seconds = serializers.FloatField(allow_null=True)
    multi = serializers.BooleanField()

    class Meta:
        model = FaceSwapJob


class SlowMotionJobOutputSerializer(_JobFields):
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
        from .pricing import slowmotion_price

        if job.duration_seconds is None:
            return job.credits_charged
        return slowmotion_price(factor=job.slowdown_factor, duration_seconds=job.duration_seconds)


class JobProgressBodySerializer(JobProgressOutputSerializer):
    """What the progress endpoints answer."""

    queue_position = serializers.IntegerField(allow_null=True, help_text="1 = starts next; null unless Queued.")
    multi = serializers.BooleanField()


class StopJobOutputSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    id = serializers.UUIDField()
    status = serializers.CharField()
    refunded_credits = serializers.IntegerField()


class FaceSwapEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    faceswap = FaceSwapJobOutputSerializer()


class SlowMotionEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    slowmotion = SlowMotionJobOutputSerializer()
