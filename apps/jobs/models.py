"""Jobs: one table for what every kind shares (status, slot, credits, progress); each product app
adds its kind as a subclass with its own fields (multi-table inheritance) and registers it in
apps.jobs.kinds. A single table lets the database itself enforce one running job per user."""
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from workers.options import OptionsSchema


class JobStatus(models.TextChoices):
    DRAFT = "Draft"
    QUEUED = "Queued"
    PROCESSING = "Processing"
    DONE = "Done"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.PROCESSING)
FINISHED_STATUSES = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)

# Processing -> Queued is the retry of a job whose worker was lost.
LEGAL_TRANSITIONS: dict[str, set[str]] = {
    JobStatus.DRAFT: {JobStatus.QUEUED, JobStatus.CANCELLED},
    JobStatus.QUEUED: {JobStatus.PROCESSING, JobStatus.CANCELLED, JobStatus.FAILED},
    JobStatus.PROCESSING: {JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.QUEUED},
    JobStatus.DONE: set(),
    JobStatus.FAILED: set(),
    JobStatus.CANCELLED: set(),
}


class IllegalTransition(Exception):
    pass


class Job(models.Model):
    # Each kind's subclass names itself here, once; rows get it in `kind` when first saved.
    KIND: ClassVar[str] = ""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=16, editable=False)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.DRAFT, db_index=True)
    progress_percentage = models.PositiveSmallIntegerField(default=0)
    credits_charged = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Paths relative to ISAMURAI_MEDIA_ROOT: {"source": ..., "target": ...}.
    inputs = models.JSONField(default=dict, blank=True)
    # Bytes of the stored inputs: a user's Drafts may hold ISAMURAI_DRAFT_QUOTA_MB in all.
    input_bytes = models.BigIntegerField(default=0)
    output_file = models.CharField(max_length=255, blank=True)
    # Every media path the job created (its inputs, the source photos and thumbnails its check
    # kept, its output), on disk and in the bucket: what retention and DELETE remove.
    files = models.JSONField(default=list, blank=True)
    # What the pipeline reports about its run (e.g. which interpolator, a capped frame rate).
    report = models.JSONField(default=dict, blank=True)
    # Called with the job object when it reaches Done, Failed or Cancelled (an extension).
    webhook_url = models.URLField(max_length=500, blank=True)
    # A visible "AI-generated" label on the output (the request's `label`, else the server default).
    label = models.BooleanField(default=False)
    # The content policy's verdict at submission when it was "flag": kept, but marked for review.
    content_flagged = models.BooleanField(default=False, db_index=True)
    content_flag_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when the dispatcher hands the job to a worker: a Queued job holding the user's slot.
    dispatch_token = models.UUIDField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # When a `jobs.run` message was last sent for it (the dispatch, or the sweeper's re-send of a
    # lost one); dispatched_at stays its place in the round-robin order.
    dispatch_sent_at = models.DateTimeField(null=True, blank=True)
    # The owner's plan priority when it was queued: higher starts first (apps.jobs.queue).
    queue_priority = models.SmallIntegerField(default=0)
    # Its work, for the queue's ETA: seconds of media (null: a photo) and the quality asked for.
    work_seconds = models.FloatField(null=True, blank=True)
    work_quality = models.CharField(max_length=8, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=255, blank=True)
    # When its inputs and output were deleted (retention, the owner's DELETE, or a takedown).
    expired_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "status", "queued_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="Processing") | Q(status="Queued", dispatch_token__isnull=False),
                name="one_running_job_per_user",
            ),
            models.CheckConstraint(condition=Q(progress_percentage__lte=100), name="job_progress_at_most_100"),
            models.CheckConstraint(
                condition=Q(progress_percentage__lt=100) | Q(status="Done"), name="job_progress_100_only_when_done"
            ),
        ]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    def save(self, *args, **kwargs):
        if not self.kind:
            self.kind = self.KIND
        previous = getattr(self, "_loaded_status", None)
        if previous is not None and previous != self.status and self.status not in LEGAL_TRANSITIONS[previous]:
            raise IllegalTransition(f"a job can't go from {previous} to {self.status}")
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def pipeline_options(self) -> OptionsSchema | None:
        """The typed options this job's pipeline runs with (checked when made)."""
        return None

    def workload(self) -> tuple[float | None, str]:
        """Seconds of media (None for a photo) and the quality: what the queue's ETA scales by."""
        return None, ""

    def plan_facts(self) -> dict[str, Any]:
        """What the owner's plan limits are checked against when the job starts (the keywords of
        apps.accounts.limits.plan_limits_check: video_seconds, quality)."""
        return {}

    def is_multi(self) -> bool:
        """Whether this job is its kind's multi-person variant (apps.jobs.kinds.JobVariant)."""
        return False

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"


class WorkerPresence(models.Model):
    """A Celery worker that is up: each worker rewrites its row every ISAMURAI_WORKER_BEAT_SECONDS
    (with its GPUs' utilisation, where it has GPUs), so the queue's ETA and /metrics know the live
    workers from one query, whatever the broker."""

    name = models.CharField(max_length=255, primary_key=True)
    queues = models.CharField(max_length=255)  # comma-separated, e.g. "gpu,fast"
    # [{"index": 0, "utilization": 87.0, "memory_used_mb": 1234}], empty on a CPU-only host.
    gpus = models.JSONField(default=list, blank=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.queues})"


class SegmentStatus(models.TextChoices):
    QUEUED = "Queued"
    PROCESSING = "Processing"
    DONE = "Done"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


class JobSegment(models.Model):
    """One part of a long video job split over workers (see workers.video.segments): keeps input
    frames [start_frame, end_frame) and decodes [read_start, read_end), the overlap being warm-up
    and look-ahead that are dropped. The job stays Processing (the user's one running job) while
    its segments run on any free GPU workers; the last one done sends the join."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveSmallIntegerField()
    start_frame = models.PositiveIntegerField()
    end_frame = models.PositiveIntegerField()
    read_start = models.PositiveIntegerField()
    read_end = models.PositiveIntegerField()
    # What every part needs from the whole video (the pipeline's plan: e.g. the reference face).
    state = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=SegmentStatus.choices, default=SegmentStatus.QUEUED)
    # Set when a worker claims it; a message or a run of an older attempt is no longer its own.
    token = models.UUIDField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True)  # the Celery node name of its last run
    attempts = models.PositiveSmallIntegerField(default=0)
    progress = models.FloatField(default=0.0)  # 0..1 of its kept frames
    output_file = models.CharField(max_length=255, blank=True)  # its part, in storage, until the join
    frames_out = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="one_segment_per_index")]

    @property
    def kept_frames(self) -> int:
        return self.end_frame - self.start_frame

    def __str__(self) -> str:
        return f"segment {self.index} of {self.job_id} ({self.status})"
