"""Runs one claimed job's pipeline on a worker: heartbeat, throttled progress, cancel checks,
cleanup, and the translation of pipeline errors into a plain sentence for the user."""
import json
import logging
import shutil
import socket
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection

from apps.core.errors import JobOutcome, error_rule
from apps.core.marking import output_marker
from apps.core.model_access import model_registry, pipeline_limits
from apps.core.storage import FetchScope, media_fetch_scope, media_storage
from workers.errors import UserFacingError
from workers.pipelines.context import JobCancelled, PipelineContext, pipeline_load, pipeline_part
from workers.video.segments import SegmentPart, SegmentRange

from .kinds import job_kind_get
from .models import Job, JobSegment
from .selectors import job_concrete_get
from .services import (
    job_claim_next,
    job_complete,
    job_dispatch,
    job_fail,
    job_heartbeat,
    job_is_running,
    job_progress_set,
    job_segment_claim,
    job_segment_complete,
    job_segment_fail,
    job_segment_heartbeat,
    job_segment_is_running,
    job_segment_progress_set,
    job_segments_create,
    job_segments_files_drop,
    job_segments_join_start,
    job_work_dir,
    job_work_dir_remove,
)

logger = logging.getLogger(__name__)

GENERIC_FAILURE = (
    "The job failed on the server while processing your media; your credits were refunded. "
    "Try again, and contact the operator if it keeps failing."
)


def pipeline_path_for(kind: str) -> str:
    """The kind's pipeline ('module:function'), unless ISAMURAI_PIPELINES_JSON replaces it (tests, benches)."""
    overrides = json.loads(settings.ISAMURAI_PIPELINES_JSON or "{}")
    return overrides.get(kind) or job_kind_get(kind).pipeline


class Heartbeat:
    """Tells the database this job's worker is alive, from its own thread and DB connection."""

    def __init__(self, job_id: uuid.UUID, token: uuid.UUID, interval: float) -> None:
        self._job_id, self._token, self._interval = job_id, token, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self._interval):
                try:
                    job_heartbeat(job_id=self._job_id, token=self._token)
                except Exception:  # a missed beat is retried next interval
                    logger.exception("heartbeat failed for job %s", self._job_id)
        finally:
            connection.close()

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class ProgressReporter:
    """Turns the pipeline's fraction into monotonic percentages, written at most every 0.5 s."""

    def __init__(self, job_id: uuid.UUID, token: uuid.UUID, min_interval: float = 0.5) -> None:
        self._job_id, self._token, self._min_interval = job_id, token, min_interval
        self._written = 0
        self._last_write = 0.0

    def __call__(self, fraction: float) -> None:
        percentage = min(99, int(max(0.0, min(1.0, fraction)) * 100))
        now = time.monotonic()
        if percentage <= self._written or now - self._last_write < self._min_interval:
            return
        job_progress_set(job_id=self._job_id, token=self._token, percentage=percentage)
        self._written, self._last_write = percentage, now


class CancelCheck:
    """Raises JobCancelled once the job is no longer ours to run (stopped by the user)."""

    def __init__(self, job_id: uuid.UUID, token: uuid.UUID, min_interval: float) -> None:
        self._job_id, self._token, self._min_interval = job_id, token, min_interval
        self._last_check = time.monotonic()

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last_check < self._min_interval:
            return
        self._last_check = now
        if not job_is_running(job_id=self._job_id, token=self._token):
            raise JobCancelled(f"job {self._job_id} was stopped")


def _resolve_inputs(job: Job) -> dict[str, Path]:
    """Local paths of the job's inputs, fetched from shared storage when this host lacks them."""
    storage = media_storage()
    return {role: storage.fetch(relpath) for role, relpath in job.inputs.items()}


def job_execute(*, node: str = "") -> str:
    """The body of the Celery task: claims the job whose turn it is (apps.jobs.queue) and runs it.
    Returns what happened, for the worker's log. `node` is the Celery node name (`name@host`),
    recorded as the job's worker."""
    close_old_connections()
    worker = node or f"{socket.gethostname()}:{threading.get_native_id()}"
    claimed = job_claim_next(worker=worker)
    if claimed is None:
        return "skipped: no dispatched job left"
    # The inputs this host fetches (and the scratch folder) are pinned while the job runs and
    # leave this host when it ends, whatever the outcome.
    with media_fetch_scope() as fetched:
        return _job_run(job_concrete_get(job_id=claimed.id), claimed.dispatch_token, fetched)


def _pipeline_context(job: Job, work_dir: Path, *, check_cancelled, report_progress=None,
                      segment: SegmentRange | None = None) -> PipelineContext:
    """What a pipeline gets for ``job`` (its inputs, options, models, limits, marker), working in
    ``work_dir``: the whole run, one part of a split job, or the join of its parts."""
    extra = {"report_progress": report_progress} if report_progress is not None else {}
    return PipelineContext(
        inputs=_resolve_inputs(job), options=job.pipeline_options(), output_dir=work_dir,
        check_cancelled=check_cancelled, models=model_registry(), limits=pipeline_limits(),
        marker=output_marker(output_id=job.id, provenance=job_kind_get(job.kind).provenance, label=job.label),
        segment=segment, **extra)


def _job_run(job: Job, token: uuid.UUID, fetched: FetchScope | None) -> str:
    work_dir = job_work_dir(job=job) / f"attempt-{job.attempts}"
    outcome = "failed"
    split = False
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        if fetched is not None:
            fetched.pin_folder(work_dir.parent)
        context = _pipeline_context(
            job, work_dir, report_progress=ProgressReporter(job.id, token),
            check_cancelled=CancelCheck(job.id, token, settings.ISAMURAI_JOB_CANCEL_CHECK_SECONDS))
        with Heartbeat(job.id, token, settings.ISAMURAI_JOB_HEARTBEAT_SECONDS):
            ranges = _segment_ranges(job, context)
            if len(ranges) > 1:
                split = True
                parts = job_segments_create(job_id=job.id, token=token, ranges=ranges)
                return f"split into {len(parts)} segments" if parts else "stopped"
            pipeline = pipeline_load(pipeline_path_for(job.kind))
            result = pipeline(context)
            context.marker.seal(Path(result.output))
        completed = job_complete(job_id=job.id, token=token, output_path=Path(result.output),
                                 report=result.report_fields())
        outcome = "done" if completed else "stopped"
    except Exception as exc:
        outcome = _settle_failure(job, token, exc)
    finally:
        if split:  # its segments may already run in the job's scratch folder (one disk): only ours goes
            _remove_folder(work_dir)
        else:
            job_work_dir_remove(job=job)
            job_dispatch(user_id=job.user_id)
    return outcome


def _remove_folder(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _segment_ranges(job: Job, context: PipelineContext) -> list[SegmentRange]:
    """The parts a long video job splits into ([] keeps it whole): asked of the kind's pipeline
    when it can split (its module has ``segment_plan`` and ``segments_join``) and the job is longer
    than ISAMURAI_SEGMENT_SECONDS."""
    seconds = settings.ISAMURAI_SEGMENT_SECONDS
    path = pipeline_path_for(job.kind)
    plan = pipeline_part(path, "segment_plan")
    if seconds <= 0 or plan is None or pipeline_part(path, "segments_join") is None:
        return []
    return plan(context, seconds)


# --- one part of a split job, and the join ------------------------------------------------------

class SegmentHeartbeat(Heartbeat):
    """The segment's (and its job's) heartbeat."""

    def __init__(self, segment_id: uuid.UUID, token: uuid.UUID, interval: float) -> None:
        super().__init__(segment_id, token, interval)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self._interval):
                try:
                    job_segment_heartbeat(segment_id=self._job_id, token=self._token)
                except Exception:  # a missed beat is retried next interval
                    logger.exception("heartbeat failed for segment %s", self._job_id)
        finally:
            connection.close()


class SegmentProgress(ProgressReporter):
    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_write < self._min_interval:
            return
        job_segment_progress_set(segment_id=self._job_id, token=self._token, fraction=fraction)
        self._last_write = now


class SegmentCancelCheck(CancelCheck):
    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last_check < self._min_interval:
            return
        self._last_check = now
        if not job_segment_is_running(segment_id=self._job_id, token=self._token):
            raise JobCancelled(f"segment {self._job_id} was stopped")


def segment_execute(*, segment_id: uuid.UUID, node: str = "") -> str:
    """The body of ``jobs.segment``: run one part of a split job on this worker."""
    close_old_connections()
    worker = node or f"{socket.gethostname()}:{threading.get_native_id()}"
    segment = job_segment_claim(segment_id=segment_id, worker=worker)
    if segment is None:
        return "skipped: segment not waiting"
    with media_fetch_scope() as fetched:
        return _segment_run(segment, job_concrete_get(job_id=segment.job_id), fetched)


def _segment_run(segment: JobSegment, job: Job, fetched: FetchScope | None) -> str:
    work_dir = job_work_dir(job=job) / f"segment-{segment.index}-{segment.attempts}"
    token = segment.token
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        if fetched is not None:  # the cache sweep spares the job's scratch folder (work/<job id>/)
            fetched.pin_folder(work_dir.parent)
        context = _pipeline_context(
            job, work_dir, report_progress=SegmentProgress(segment.id, token),
            check_cancelled=SegmentCancelCheck(segment.id, token, settings.ISAMURAI_JOB_CANCEL_CHECK_SECONDS),
            segment=SegmentRange(index=segment.index, start=segment.start_frame, end=segment.end_frame,
                                 read_start=segment.read_start, read_end=segment.read_end, state=segment.state),
        )
        with SegmentHeartbeat(segment.id, token, settings.ISAMURAI_JOB_HEARTBEAT_SECONDS):
            result = pipeline_load(pipeline_path_for(job.kind))(context)
        report = result.report_fields()
        frames = int(report.get("frames_out") or report.get("frames") or 0)
        done = job_segment_complete(segment_id=segment.id, token=token, output_path=Path(result.output),
                                    frames=frames, report=json.loads(json.dumps(report, default=str)))
        return "done" if done else "stopped"
    except Exception as exc:
        if error_rule(exc).job_outcome is JobOutcome.CANCELLED:
            return "cancelled"
        if isinstance(exc, UserFacingError):  # the input's fault: another run would fail the same way
            logger.warning("job %s: segment %d failed (%s): %s %s", job.id, segment.index, exc.category, exc,
                           exc.detail)
            message, retry = _refunded(exc.user_message), False
        else:
            logger.exception("job %s: segment %d crashed", job.id, segment.index)
            message, retry = GENERIC_FAILURE, True
        outcome = job_segment_fail(segment_id=segment.id, token=token, message=message, retry=retry)
        if outcome == "failed":
            job_dispatch(user_id=job.user_id)
        return f"segment {outcome}"
    finally:
        _remove_folder(work_dir)


def join_execute(*, job_id: uuid.UUID) -> str:
    """The body of ``jobs.join``: the parts of a split job joined into its output (idempotent: a
    second join of a finished job does nothing)."""
    close_old_connections()
    started = job_segments_join_start(job_id=job_id)
    if started is None:
        return "skipped: nothing to join"
    job, token, segments = started
    job = job_concrete_get(job_id=job.id)
    work_dir = job_work_dir(job=job) / f"join-{uuid.uuid4().hex[:8]}"
    outcome = "failed"
    with media_fetch_scope() as fetched:
        try:
            work_dir.mkdir(parents=True, exist_ok=True)
            if fetched is not None:
                fetched.pin_folder(work_dir.parent)
            storage = media_storage()
            parts = [SegmentPart(storage.fetch(segment.output_file), segment.frames_out, segment.report)
                     for segment in segments]
            context = _pipeline_context(
                job, work_dir, check_cancelled=CancelCheck(job.id, token, settings.ISAMURAI_JOB_CANCEL_CHECK_SECONDS))
            with Heartbeat(job.id, token, settings.ISAMURAI_JOB_HEARTBEAT_SECONDS):
                result = pipeline_part(pipeline_path_for(job.kind), "segments_join")(context, parts)
                context.marker.seal(Path(result.output))
            # The parts are spent once the output exists: gone before the job reads Done.
            job_segments_files_drop(job_id=job.id)
            report = {**result.report_fields(), "segments": len(segments)}
            completed = job_complete(job_id=job.id, token=token, output_path=Path(result.output), report=report)
            outcome = "done" if completed else "stopped"
        except Exception as exc:
            outcome = _settle_failure(job, token, exc)
        finally:
            job_segments_files_drop(job_id=job.id)
            job_work_dir_remove(job=job)
            job_dispatch(user_id=job.user_id)
    return outcome


def _settle_failure(job: Job, token: uuid.UUID, exc: Exception) -> str:
    """What the error table says a job's failure becomes: cancelled (stop-job already settled it)
    or Failed with a full refund and the error's own sentence (a generic one for a crash)."""
    rule = error_rule(exc)
    if rule.job_outcome is JobOutcome.CANCELLED:
        return "cancelled"
    if isinstance(exc, UserFacingError):
        logger.log(max(rule.log_level, logging.WARNING), "job %s failed (%s): %s %s", job.id, exc.category, exc,
                   exc.detail)
        message = _refunded(exc.user_message)
    else:
        logger.exception("job %s crashed", job.id)
        message = GENERIC_FAILURE
    job_fail(job_id=job.id, token=token, message=message)
    return "failed"


def _refunded(message: str) -> str:
    return f"{message.rstrip('.')}. Your credits were refunded."
