"""Output shapes of jobs, shared by every endpoint that returns one."""
from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from apps.core.storage import media_storage

from .models import Job, JobStatus
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


class JobOutputSerializer(JobProgressOutputSerializer):
    """The fields every kind's job object has; each kind's output serializer adds its own."""

    credits_charged = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)  # null until a worker claims it
    finished_at = serializers.DateTimeField(allow_null=True)  # null until it ends


class JobProgressBodySerializer(JobProgressOutputSerializer):
    """What the progress endpoints answer."""

    queue_position = serializers.IntegerField(allow_null=True, help_text="1 = starts next; null unless Queued.")
    multi = serializers.BooleanField()


class StopJobOutputSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    id = serializers.UUIDField()
    status = serializers.CharField()
    refunded_credits = serializers.IntegerField()
