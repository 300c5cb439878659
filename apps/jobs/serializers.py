"""Output shapes of jobs, shared by every endpoint that returns one."""
from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from apps.core.storage import media_storage

from .models import Job, JobStatus
from .queue import QueueSnapshot, WaitingJob
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
    queue_position = serializers.SerializerMethodField(
        help_text="Extension: 1 = starts next, over every user's waiting jobs; null unless Queued."
    )
    eta_seconds = serializers.SerializerMethodField(
        help_text="Extension: estimated seconds until it is done (the work ahead over the live GPU workers, "
                  "plus its own); null unless Queued."
    )

    segments = serializers.SerializerMethodField(
        help_text="Extension: the parts of a long video split over several GPU workers, each "
                  '{"index", "worker" (the Celery node name, "" until claimed), "status"}; [] when it runs whole.'
    )

    def get_segments(self, job: Job) -> list[dict]:
        return [{"index": index, "worker": worker, "status": status}
                for index, worker, status in job.segments.order_by("index").values_list("index", "worker", "status")]

    def _waiting(self, job: Job) -> WaitingJob | None:
        if job.status != JobStatus.QUEUED:
            return None
        root = self.root  # one snapshot of the queue per answer, however many jobs it lists
        snapshot = getattr(root, "_queue_snapshot", None)
        if snapshot is None:
            snapshot = root._queue_snapshot = QueueSnapshot()
        return snapshot.get(job.id)

    def get_queue_position(self, job: Job) -> int | None:
        waiting = self._waiting(job)
        return waiting.position if waiting else None

    def get_eta_seconds(self, job: Job) -> int | None:
        waiting = self._waiting(job)
        return waiting.eta_seconds if waiting else None

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

    multi = serializers.BooleanField()


class StopJobOutputSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    id = serializers.UUIDField()
    status = serializers.CharField()
    refunded_credits = serializers.IntegerField()
