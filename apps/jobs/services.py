"""The job engine: queue (charge), dispatch (one running job per user), claim, progress,
finish, fail (full refund), cancel (50% refund), and recovery of jobs whose worker was lost.

Every state change locks the job row; credits move only through the ledger service.
"""
import logging
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.accounts.limits import plan_limits_check
from apps.accounts.models import User
from apps.core.exceptions import ApplicationError
from apps.core.fast import fast_task_call
from apps.core.storage import media_root, media_storage
from apps.ledger.services import credits_charge, credits_refund
from workers.errors import ErrorCategory
from workers.options import OptionsSchema, required_models

from .kinds import job_kind_get
from .models import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    Job,
    JobSegment,
    JobStatus,
    SegmentStatus,
    WorkerPresence,
)
from .queue import JOB_START_ORDER, queue_priority_for_user
from .selectors import draft_bytes_for_user, job_get_for_user, jobs_due_for_expiry_list
from .signals import job_finished, job_submitting

logger = logging.getLogger(__name__)

# The Celery task that runs a job (apps.jobs.tasks), sent by name so this module needn't import
# the tasks module, which imports the runner, which imports this module.
JOB_RUN_TASK = "jobs.run"
# The fast task that asks a worker's model registry for models (apps.jobs.tasks), by name too.
JOB_MODELS_REQUIRE_TASK = "jobs.models_require"
# A split job's parts and their join (apps.jobs.tasks), on the gpu queue too.
JOB_SEGMENT_TASK = "jobs.segment"
JOB_JOIN_TASK = "jobs.join"


# --- storage ------------------------------------------------------------------------------
class DraftQuotaExceeded(ApplicationError):
    category = ErrorCategory.FORBIDDEN


def job_draft_quota_check(*, user: User, adding: int) -> None:
    """403 when a new Draft of `adding` bytes would take the user's Drafts past
    ISAMURAI_DRAFT_QUOTA_MB: a Draft is free, so what it may store is bounded."""
    quota = settings.ISAMURAI_DRAFT_QUOTA_BYTES
    kept = draft_bytes_for_user(user=user)
    if kept + adding > quota:
        mib = 1024 * 1024
        raise DraftQuotaExceeded(
            f"Your drafts already hold {kept / mib:.1f} MB and this one adds {adding / mib:.1f} MB; the limit is "
            f"{quota / mib:.0f} MB. Start a draft (or submit this one to start at once) or delete drafts "
            "(DELETE /api/jobs/<id>/), then try again. Nothing was stored.",
            details={"drafts": [f"{kept + adding} bytes would exceed the quota of {quota} bytes."]},
        )



def job_work_dir(*, job: Job) -> Path:
    """Scratch space for one run of a job; removed whatever the outcome."""
    return media_root() / "work" / str(job.id)


def job_output_relpath(*, filename: str) -> str:
    """An unguessable place for a finished output, served at /api/media/<relpath>."""
    return f"outputs/{uuid.uuid4().hex}/{filename}"


def _announce_finished(job: Job) -> None:
    """After commit, tell job_finished's receivers (e.g. the webhooks) about the job's final state."""
    def announce() -> None:
        for receiver, result in job_finished.send_robust(sender=Job, job=job):
            if isinstance(result, Exception):
                logger.error("job %s: job_finished receiver %r failed: %r", job.id, receiver, result)

    transaction.on_commit(announce, robust=True)


def job_work_dir_remove(*, job: Job) -> None:
    """Delete the job's scratch space (every attempt's)."""
    _remove_tree(job_work_dir(job=job))


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --- queue and dispatch --------------------------------------------------------------------

def job_start_check(*, job: Job) -> None:
    """What every start checks before any charge, whichever door it comes through (the API's
    submit or process call, the console's start button): the owner's plan limits (403; the plan
    may have changed since a Draft was saved) and the models its options declare
    (``Option(models=...)``: a fast worker's registry answers 503 naming the first missing one)."""
    plan_limits_check(user=job.user, **job.plan_facts())
    options = job.pipeline_options()
    names = required_models(options) if isinstance(options, OptionsSchema) else []
    if names:
        fast_task_call(JOB_MODELS_REQUIRE_TASK, kwargs={"names": names})


def job_submit(*, job: Job, start: bool) -> Job:
    """Saves a new job of any kind (a Draft), after the apps that watch submissions had their say
    (``job_submitting``: a receiver's refusal leaves nothing saved); with ``start``, checks it
    (``job_start_check``), charges its kind's price and queues it in the same transaction."""
    job_submitting.send(sender=type(job), job=job)
    if start:
        job_start_check(job=job)
    with transaction.atomic():
        job.save()
        if start:
            job = job_queue(job=job, price=job_kind_get(job.kind).price(job))
    return job


def _draft_required(job: Job) -> None:
    if job.status != JobStatus.DRAFT:
        raise ApplicationError(f"This job is {job.status}; only a Draft job can be started.")


def job_queue(*, job: Job, price: int) -> Job:
    """Draft -> Queued, charging `price` credits in the same transaction."""
    with transaction.atomic():
        job = type(job).objects.select_for_update().get(pk=job.pk)
        _draft_required(job)
        if price > 0:
            credits_charge(user=job.user, amount=price, job_kind=job.kind, job_id=job.id, note=f"{job.kind} job")
        job.credits_charged = price
        job.status = JobStatus.QUEUED
        job.queued_at = timezone.now()
        job.queue_priority = queue_priority_for_user(user=job.user)
        job.work_seconds, job.work_quality = job.workload()
        job.save(update_fields=["credits_charged", "status", "queued_at", "queue_priority", "work_seconds",
                                "work_quality"])
        user_id = job.user_id
        transaction.on_commit(lambda: job_dispatch(user_id=user_id), robust=True)
    return job


def job_start(*, user: User, job_id: uuid.UUID, kind: str | None = None) -> Job:
    """Check (``job_start_check``), charge and queue the caller's Draft job at its kind's price
    (job_queue refuses any other status)."""
    job = job_get_for_user(user=user, job_id=job_id, kind=kind)
    _draft_required(job)  # before the start check's round trip to a worker
    job_start_check(job=job)
    return job_queue(job=job, price=job_kind_get(job.kind).price(job))


def _send_to_worker(job_id: uuid.UUID, token: uuid.UUID) -> None:
    current_app.send_task(JOB_RUN_TASK, args=[str(job_id), str(token)])


def job_dispatch(*, user_id: int) -> Job | None:
    """Hand the user's oldest Queued job to a worker, unless one of theirs already holds the slot."""
    with transaction.atomic():
        # The user row serialises dispatchers of one user; the unique constraint backs it up.
        User.objects.select_for_update().filter(pk=user_id).first()
        slot_taken = Job.objects.filter(user_id=user_id).filter(
            Q(status=JobStatus.PROCESSING) | Q(status=JobStatus.QUEUED, dispatch_token__isnull=False)
        ).exists()
        if slot_taken:
            return None
        job = (
            Job.objects.select_for_update()
            .filter(user_id=user_id, status=JobStatus.QUEUED, dispatch_token__isnull=True)
            .order_by("queued_at", "created_at")
            .first()
        )
        if job is None:
            return None
        job.dispatch_token = uuid.uuid4()
        job.dispatched_at = job.dispatch_sent_at = timezone.now()
        job.save(update_fields=["dispatch_token", "dispatched_at", "dispatch_sent_at"])
        job_id, token = job.id, job.dispatch_token
        transaction.on_commit(lambda: _send_to_worker(job_id, token), robust=True)
    return job


# --- the worker's side ---------------------------------------------------------------------

def job_claim_next(*, worker: str) -> Job | None:
    """The best dispatched job by the queue's order (apps.jobs.queue) -> Processing.

    A `jobs.run` message is a turn to run, not a particular job: each dispatch sends one, so
    there are never fewer messages than dispatched jobs, and a paid user's job dispatched last
    still starts first. None when no dispatched job is left (a stopped job's or a re-sent message).
    """
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.QUEUED, dispatch_token__isnull=False)
            .order_by(*JOB_START_ORDER)
            .first()
        )
        if job is None:
            return None
        now = timezone.now()
        job.status = JobStatus.PROCESSING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.attempts += 1
        job.worker = worker[:255]
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "worker"])
    return job


def job_heartbeat(*, job_id: uuid.UUID, token: uuid.UUID) -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.PROCESSING, dispatch_token=token).update(
        heartbeat_at=timezone.now()
    )


def job_progress_set(*, job_id: uuid.UUID, token: uuid.UUID, percentage: int) -> None:
    """Raise progress (never lower it); 100 is reserved for Done."""
    percentage = max(0, min(99, int(percentage)))
    Job.objects.filter(
        pk=job_id, status=JobStatus.PROCESSING, dispatch_token=token, progress_percentage__lt=percentage
    ).update(progress_percentage=percentage, heartbeat_at=timezone.now())


def job_is_running(*, job_id: uuid.UUID, token: uuid.UUID) -> bool:
    return Job.objects.filter(pk=job_id, status=JobStatus.PROCESSING, dispatch_token=token).exists()


def job_complete(*, job_id: uuid.UUID, token: uuid.UUID, output_path: Path, report: dict | None = None) -> bool:
    """Processing -> Done, moving the output to its public place. False if the job was stopped."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != JobStatus.PROCESSING or job.dispatch_token != token:
            return False
        relpath = job_output_relpath(filename=f"{job.kind}_{job.id.hex[:8]}{output_path.suffix}")
        destination = media_root() / relpath
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(output_path), destination)
        media_storage().publish(relpath)
        job.output_file = relpath
        job.files = [*job.files, relpath]
        job.report = report or {}
        job.status = JobStatus.DONE
        job.progress_percentage = 100
        job.finished_at = timezone.now()
        try:
            job.save(update_fields=["output_file", "files", "report", "status", "progress_percentage",
                                    "finished_at"])
        except Exception:
            _remove_tree(destination.parent)
            raise
        _announce_finished(job)
    return True


def _fail_locked(job: Job, message: str) -> int:
    """Mark a locked job Failed and refund everything it was charged; returns the refund."""
    job.status = JobStatus.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    refund = credits_refund(
        user=job.user, amount=job.credits_charged, job_kind=job.kind, job_id=job.id, note="job failed"
    )
    _segments_stop(job)
    _announce_finished(job)
    return refund.delta if refund else 0


def job_fail(*, job_id: uuid.UUID, token: uuid.UUID | None, message: str) -> bool:
    """Processing/Queued -> Failed with a full refund. False if the job had already ended."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status not in ACTIVE_STATUSES or (token is not None and job.dispatch_token != token):
            return False
        _fail_locked(job, message)
    return True


# --- the user's side -------------------------------------------------------------------------

def job_cancel(*, user: User, job_id: uuid.UUID, kind: str | None = None) -> tuple[Job, int]:
    """stop-job: Draft/Queued/Processing -> Cancelled with a 50% refund (rounded down), once.

    A Processing job's worker sees the status at its next cancel check and deletes its partial
    output; the refund doesn't wait for it.
    """
    job_get_for_user(user=user, job_id=job_id, kind=kind)  # 404 for others' jobs
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status in FINISHED_STATUSES:
            raise ApplicationError(
                f"This job is already {job.status}; only a Draft, Queued or Processing job can be stopped."
            )
        held_slot = job.status == JobStatus.QUEUED and job.dispatch_token is not None
        job.status = JobStatus.CANCELLED
        job.finished_at = timezone.now()
        job.error = "Stopped by the user."
        job.save(update_fields=["status", "finished_at", "error"])
        refund = credits_refund(
            user=job.user, amount=job.credits_charged // 2, job_kind=job.kind, job_id=job.id, note="stop-job"
        )
        refunded = refund.delta if refund else 0
        _segments_stop(job)
        _announce_finished(job)
        if held_slot:
            user_id = job.user_id
            transaction.on_commit(lambda: job_dispatch(user_id=user_id), robust=True)
    return job, refunded


# --- recovery ----------------------------------------------------------------------------------

def job_sweep() -> dict[str, int]:
    """Periodic repair: retry or fail jobs whose worker went silent, re-send lost dispatches,
    and dispatch every user who has queued work and a free slot."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.ISAMURAI_JOB_STALE_SECONDS)
    counts = {"retried": 0, "failed": 0, "redispatched": 0, "dispatched": 0}

    # A split job is watched part by part (job_segments_sweep), not as a whole.
    split = Exists(JobSegment.objects.filter(job=OuterRef("pk")))
    stale_ids = list(
        Job.objects.filter(status=JobStatus.PROCESSING, heartbeat_at__lt=stale_before).exclude(split)
        .values_list("pk", flat=True)
    )
    for job_id in stale_ids:
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(pk=job_id, status=JobStatus.PROCESSING, heartbeat_at__lt=stale_before).first()
            )
            if job is None:
                continue
            job_work_dir_remove(job=job)
            if job.attempts < settings.ISAMURAI_JOB_MAX_ATTEMPTS:
                logger.warning("job %s: worker %s went silent; retrying", job.id, job.worker)
                job.status = JobStatus.QUEUED
                job.dispatch_token = None
                job.dispatched_at = None
                job.save(update_fields=["status", "dispatch_token", "dispatched_at"])
                counts["retried"] += 1
            else:
                logger.error("job %s: worker lost %d times; failing it", job.id, job.attempts)
                _fail_locked(
                    job,
                    "The job stopped because the worker processing it was lost "
                    f"{job.attempts} times; your credits were refunded. Try again later.",
                )
                counts["failed"] += 1

    # A dispatched job nobody claimed for long (its message may be lost with a worker): send
    # another message. A spare one claims nothing; dispatched_at, its turn, is kept.
    lost_before = now - timedelta(seconds=settings.ISAMURAI_JOB_REDISPATCH_SECONDS)
    for job in Job.objects.filter(status=JobStatus.QUEUED, dispatch_token__isnull=False,
                                  dispatch_sent_at__lt=lost_before):
        with transaction.atomic():
            updated = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED, dispatch_token=job.dispatch_token,
                                         dispatch_sent_at=job.dispatch_sent_at)
            if updated.update(dispatch_sent_at=timezone.now()):
                job_id, token = job.pk, job.dispatch_token
                transaction.on_commit(lambda job_id=job_id, token=token: _send_to_worker(job_id, token), robust=True)
                counts["redispatched"] += 1

    counts.update(job_segments_sweep(stale_before=stale_before, lost_before=lost_before))

    waiting_users = Job.objects.filter(status=JobStatus.QUEUED, dispatch_token__isnull=True).values_list(
        "user_id", flat=True
    ).distinct()
    for user_id in list(waiting_users):
        if job_dispatch(user_id=user_id) is not None:
            counts["dispatched"] += 1
    return counts


# --- one long video over several workers (JobSegment) -------------------------------------------

def _segment_send(segment_id: uuid.UUID, attempt: int) -> None:
    # The task id names the attempt, so a stop can revoke exactly the messages still waiting.
    current_app.send_task(JOB_SEGMENT_TASK, args=[str(segment_id)], task_id=f"segment-{segment_id}-{attempt}")


def _join_send(job_id: uuid.UUID) -> None:
    current_app.send_task(JOB_JOIN_TASK, args=[str(job_id)])


def job_segments_create(*, job_id: uuid.UUID, token: uuid.UUID, ranges: list) -> list[JobSegment]:
    """Split a Processing job into its parts (``ranges``: workers.video.segments.SegmentRange) and
    send each to the gpu queue; the job keeps the user's slot until the join or a failure ends it.
    [] when the job is no longer this run's (stopped meanwhile)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != JobStatus.PROCESSING or job.dispatch_token != token:
            return []
        job.segments.all().delete()  # a retried split (its worker was lost) starts over
        now = timezone.now()
        segments = JobSegment.objects.bulk_create([
            JobSegment(job=job, index=part.index, start_frame=part.start, end_frame=part.end,
                       read_start=part.read_start, read_end=part.read_end, state=part.state, sent_at=now)
            for part in ranges
        ])
        job.heartbeat_at = now
        job.save(update_fields=["heartbeat_at"])
        for segment in segments:
            transaction.on_commit(lambda segment_id=segment.id: _segment_send(segment_id, 0), robust=True)
    return segments


def job_segment_claim(*, segment_id: uuid.UUID, worker: str) -> JobSegment | None:
    """A Queued segment of a Processing job -> Processing on this worker; None for a message
    that is no longer its segment's (stopped, done, already claimed)."""
    with transaction.atomic():
        # The message names its segment: wait for a lock held elsewhere (never skip it), and lock
        # only the segment's row, not its job's (which the join and the other parts take).
        segment = (JobSegment.objects.select_for_update(of=("self",))
                   .filter(pk=segment_id, status=SegmentStatus.QUEUED, job__status=JobStatus.PROCESSING).first())
        if segment is None:
            return None
        segment.status = SegmentStatus.PROCESSING
        segment.token = uuid.uuid4()
        segment.worker = worker[:255]
        segment.attempts += 1
        segment.progress = 0.0
        segment.heartbeat_at = timezone.now()
        segment.save(update_fields=["status", "token", "worker", "attempts", "progress", "heartbeat_at"])
    return segment


def job_segment_is_running(*, segment_id: uuid.UUID, token: uuid.UUID) -> bool:
    return JobSegment.objects.filter(pk=segment_id, token=token, status=SegmentStatus.PROCESSING,
                                     job__status=JobStatus.PROCESSING).exists()


def job_segment_heartbeat(*, segment_id: uuid.UUID, token: uuid.UUID) -> None:
    now = timezone.now()
    if JobSegment.objects.filter(pk=segment_id, token=token, status=SegmentStatus.PROCESSING).update(heartbeat_at=now):
        Job.objects.filter(segments__pk=segment_id, status=JobStatus.PROCESSING).update(heartbeat_at=now)


def job_segment_progress_set(*, segment_id: uuid.UUID, token: uuid.UUID, fraction: float) -> None:
    """The segment's share done; the job's progress is the sum over its segments, weighted by the
    frames each keeps (raised only, never lowered; 100 is for Done)."""
    fraction = max(0.0, min(1.0, float(fraction)))
    if not JobSegment.objects.filter(pk=segment_id, token=token, status=SegmentStatus.PROCESSING).update(
            progress=fraction, heartbeat_at=timezone.now()):
        return
    job_id = JobSegment.objects.values_list("job_id", flat=True).get(pk=segment_id)
    parts = list(JobSegment.objects.filter(job_id=job_id).values_list("start_frame", "end_frame", "progress"))
    total = sum(end - start for start, end, _ in parts) or 1
    done = sum((end - start) * progress for start, end, progress in parts)
    percentage = max(0, min(99, int(100 * done / total)))
    Job.objects.filter(pk=job_id, status=JobStatus.PROCESSING, progress_percentage__lt=percentage).update(
        progress_percentage=percentage, heartbeat_at=timezone.now())


def job_segment_complete(*, segment_id: uuid.UUID, token: uuid.UUID, output_path: Path, frames: int,
                         report: dict) -> bool:
    """Store the part where every host can fetch it (recorded in the job's files, so it is deleted
    with the job whatever happens) and mark the segment Done; the last one sends the join.
    False (and the part dropped) when the segment or its job was stopped meanwhile."""
    segment = JobSegment.objects.select_related("job").get(pk=segment_id)
    relpath = f"segments/{uuid.uuid4().hex}/{segment.job.kind}_{segment.job_id.hex[:8]}_{segment.index:03d}.mp4"
    destination = media_root() / relpath
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(output_path), destination)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=segment.job_id)
        segment = JobSegment.objects.select_for_update().get(pk=segment_id)
        if job.status != JobStatus.PROCESSING or segment.status != SegmentStatus.PROCESSING or segment.token != token:
            _remove_tree(destination.parent)
            return False
        job.files = [*job.files, relpath]
        job.save(update_fields=["files"])
        media_storage().publish(relpath)  # S3: in the bucket, gone from this host
        segment.status = SegmentStatus.DONE
        segment.output_file = relpath
        segment.frames_out = frames
        segment.report = report
        segment.progress = 1.0
        segment.save(update_fields=["status", "output_file", "frames_out", "report", "progress"])
        if not job.segments.exclude(status=SegmentStatus.DONE).exists():
            job.heartbeat_at = timezone.now()
            job.save(update_fields=["heartbeat_at"])
            transaction.on_commit(lambda: _join_send(job.id), robust=True)
    return True


def job_segment_fail(*, segment_id: uuid.UUID, token: uuid.UUID | None, message: str, retry: bool) -> str:
    """A segment's run failed: run it again alone (``retry``, while attempts are left) or fail the
    whole job with one full refund. Returns "retried", "failed" or "ignored" (no longer ours)."""
    with transaction.atomic():
        segment = JobSegment.objects.select_related("job").get(pk=segment_id)
        job = Job.objects.select_for_update().get(pk=segment.job_id)
        segment = JobSegment.objects.select_for_update().get(pk=segment_id)
        if job.status != JobStatus.PROCESSING or segment.status != SegmentStatus.PROCESSING or (
                token is not None and segment.token != token):
            return "ignored"
        if retry and segment.attempts < settings.ISAMURAI_SEGMENT_MAX_ATTEMPTS:
            logger.warning("job %s: segment %d failed on %s (%s); retrying it alone", job.id, segment.index,
                           segment.worker, message)
            _segment_requeue(segment)
            return "retried"
        segment.status = SegmentStatus.FAILED
        segment.error = message
        segment.save(update_fields=["status", "error"])
        _fail_locked(job, message)
    return "failed"


def _segment_requeue(segment: JobSegment) -> None:
    segment.status = SegmentStatus.QUEUED
    segment.token = None
    segment.progress = 0.0
    segment.sent_at = timezone.now()
    segment.save(update_fields=["status", "token", "progress", "sent_at"])
    segment_id, attempt = segment.id, segment.attempts
    transaction.on_commit(lambda: _segment_send(segment_id, attempt), robust=True)


def job_segments_join_start(*, job_id: uuid.UUID) -> tuple[Job, uuid.UUID, list[JobSegment]] | None:
    """What the join needs: the job, its token and its Done segments in order; None when the job
    is no longer Processing or a part is missing (a re-sent join after the first one finished)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, status=JobStatus.PROCESSING).first()
        if job is None:
            return None
        segments = list(job.segments.order_by("index"))
        if not segments or any(segment.status != SegmentStatus.DONE for segment in segments):
            return None
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["heartbeat_at"])
    return job, job.dispatch_token, segments


def job_segments_files_drop(*, job_id: uuid.UUID) -> int:
    """Delete a split job's parts (in the bucket and on this host) once it has ended, and take them
    off its files; returns how many."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        parts = [path for path in job.files if path.startswith("segments/")]
        if not parts:
            return 0
        storage = media_storage()
        for relpath in parts:
            storage.delete(relpath)
            _remove_tree((media_root() / relpath).parent)
        job.files = [path for path in job.files if path not in parts]
        job.save(update_fields=["files"])
    return len(parts)


def _segments_stop(job: Job) -> None:
    """The job ended (failed, cancelled): no part of it runs on. Queued segments are cancelled and
    their messages revoked; running ones see it at their next cancel check; parts made so far are
    deleted after the commit."""
    waiting = list(job.segments.filter(status=SegmentStatus.QUEUED).values_list("id", "attempts"))
    if not job.segments.exists():
        return
    job.segments.filter(status__in=(SegmentStatus.QUEUED, SegmentStatus.PROCESSING)).update(
        status=SegmentStatus.CANCELLED)
    job_id = job.id

    def after() -> None:
        if waiting:
            try:
                current_app.control.revoke([f"segment-{segment_id}-{attempt}" for segment_id, attempt in waiting])
            except Exception:  # a spare message claims nothing anyway
                logger.warning("job %s: could not revoke its waiting segments", job_id, exc_info=True)
        job_segments_files_drop(job_id=job_id)

    transaction.on_commit(after, robust=True)


def job_segments_sweep(*, stale_before, lost_before) -> dict[str, int]:
    """A split job's repair, part by part: a segment whose worker went silent runs again alone (or
    the job fails, refunded, after ISAMURAI_SEGMENT_MAX_ATTEMPTS); a waiting segment whose message
    was lost is sent again; a job whose parts are all done but whose join went silent is joined again."""
    counts = {"segments_retried": 0, "segments_redispatched": 0, "joins_resent": 0}
    stale = JobSegment.objects.filter(status=SegmentStatus.PROCESSING, heartbeat_at__lt=stale_before,
                                      job__status=JobStatus.PROCESSING)
    for segment_id, token in list(stale.values_list("pk", "token")):
        outcome = job_segment_fail(segment_id=segment_id, token=token, retry=True,
                                   message="The job stopped because a worker processing it was lost repeatedly; "
                                           "your credits were refunded. Try again later.")
        counts["segments_retried"] += outcome == "retried"
    for segment in JobSegment.objects.filter(status=SegmentStatus.QUEUED, sent_at__lt=lost_before,
                                             job__status=JobStatus.PROCESSING):
        if JobSegment.objects.filter(pk=segment.pk, status=SegmentStatus.QUEUED, sent_at=segment.sent_at).update(
                sent_at=timezone.now()):
            _segment_send(segment.pk, segment.attempts)
            counts["segments_redispatched"] += 1
    unfinished = JobSegment.objects.filter(job=OuterRef("pk")).exclude(status=SegmentStatus.DONE)
    joinable = (Job.objects.filter(status=JobStatus.PROCESSING, heartbeat_at__lt=stale_before)
                .filter(Exists(JobSegment.objects.filter(job=OuterRef("pk")))).exclude(Exists(unfinished)))
    for job_id in list(joinable.values_list("pk", flat=True)):
        if Job.objects.filter(pk=job_id, heartbeat_at__lt=stale_before).update(heartbeat_at=timezone.now()):
            _join_send(job_id)
            counts["joins_resent"] += 1
    return counts


# --- workers' presence ---------------------------------------------------------------------------

def worker_presence_beat(*, name: str, queues: list[str], gpus: list[dict]) -> None:
    """A worker says it is up (and how busy its GPUs are); see WorkerPresence."""
    WorkerPresence.objects.update_or_create(
        name=name[:255], defaults={"queues": ",".join(queues)[:255], "gpus": gpus, "seen_at": timezone.now()}
    )


def worker_presence_end(*, name: str) -> None:
    WorkerPresence.objects.filter(name=name[:255]).delete()


# --- retention ---------------------------------------------------------------------------------

def job_media_paths(*, job: Job) -> list[str]:
    """Every media path a job holds: the files it recorded, its inputs and its output (rows made
    before `files` existed list only the last two)."""
    paths = [*(job.files or []), *(job.inputs or {}).values(), job.output_file]
    return list(dict.fromkeys(path for path in paths if path))


def _job_files_delete(job: Job) -> int:
    """Delete every file of the job, in the bucket and on this host, with the job's own folders
    (uploads/<token>/, outputs/<token>/: anything left in them, e.g. by an older release, goes
    too); returns how many files were deleted."""
    storage = media_storage()
    deleted = 0
    folders = set()
    for relpath in job_media_paths(job=job):
        local = media_root() / relpath
        if local.exists() or settings.ISAMURAI_S3_BUCKET:
            deleted += 1
        storage.delete(relpath)  # raises on a storage outage: the job stays unexpired, tried again
        if local.parent.parent.parent == media_root():  # uploads/<token>/, outputs/<token>/: the job's own
            folders.add(local.parent.relative_to(media_root()))
    for folder in folders:
        storage.delete_prefix(f"{folder}/")
    _remove_tree(job_work_dir(job=job))
    return deleted


def job_expire(*, job_id: uuid.UUID, reason: str) -> int | None:
    """Delete an ended (or Draft) job's files and mark it expired; a Draft becomes Cancelled.
    None when the job is running (never deleted under a worker) or already expired."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.expired_at is not None or job.status in ACTIVE_STATUSES:
            return None
        deleted = _job_files_delete(job)
        job.expired_at = timezone.now()
        fields = ["expired_at"]
        if job.status == JobStatus.DRAFT:  # nothing was charged, so nothing to refund
            job.status, job.finished_at, job.error = JobStatus.CANCELLED, job.expired_at, reason
            fields += ["status", "finished_at", "error"]
        job.save(update_fields=fields)
    return deleted


def jobs_expire_due() -> dict[str, int]:
    """The periodic retention sweep over jobs: every ended job past ISAMURAI_RETENTION_HOURS."""
    hours = settings.ISAMURAI_RETENTION_HOURS
    counts = {"jobs": 0, "files": 0}
    for job_id in list(jobs_due_for_expiry_list(now=timezone.now()).values_list("pk", flat=True)):
        try:
            deleted = job_expire(job_id=job_id, reason=f"Expired: its files were deleted after {hours:g} hours.")
        except Exception:  # one job's storage trouble must not stop the sweep
            logger.exception("job %s: retention could not delete its files; trying again next sweep", job_id)
            continue
        if deleted is not None:
            counts["jobs"] += 1
            counts["files"] += deleted
    return counts


def jobs_files_delete_all_for_user(*, user: User, reason: str) -> dict[str, int]:
    """Every job of `user` loses its files now (the account is being deleted): running and
    queued jobs are stopped first, as stop-job does. Returns {"jobs": expired, "files": deleted}."""
    counts = {"jobs": 0, "files": 0}
    for job_id in list(Job.objects.filter(user=user, status__in=ACTIVE_STATUSES).values_list("pk", flat=True)):
        try:
            job_cancel(user=user, job_id=job_id)
        except ApplicationError:  # it ended meanwhile
            pass
    for job_id in list(Job.objects.filter(user=user, expired_at__isnull=True).values_list("pk", flat=True)):
        deleted = job_expire(job_id=job_id, reason=reason)
        if deleted is not None:
            counts["jobs"] += 1
            counts["files"] += deleted
    return counts


def job_files_delete_for_user(*, user: User, job_id: uuid.UUID) -> tuple[Job, int]:
    """DELETE jobs/<id>/: the owner removes a job's files now (a running job must be stopped first)."""
    job = job_get_for_user(user=user, job_id=job_id)  # 404 for others' jobs
    if job.status in ACTIVE_STATUSES:
        raise ApplicationError(
            f"This job is {job.status}; stop it first (POST stop-job/), then delete its files."
        )
    deleted = job_expire(job_id=job.id, reason="Deleted by the user.") or 0
    job.refresh_from_db()
    return job, deleted


def job_take_down(*, job_id: uuid.UUID) -> tuple[Job, int]:
    """Admin takedown: stop the job if it is running (as stop-job does), then delete its files."""
    job = Job.objects.get(pk=job_id)
    if job.status in ACTIVE_STATUSES:
        job_cancel(user=job.user, job_id=job.id)
    deleted = job_expire(job_id=job.id, reason="Taken down by the operator.") or 0
    job.refresh_from_db()
    return job, deleted
