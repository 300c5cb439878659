"""Read-only queries of the console's pages that the other apps don't already offer."""
from django.db.models import QuerySet

from apps.accounts.models import ApiKey, User
from apps.jobs.kinds import job_kind_get
from apps.jobs.models import Job, JobStatus
from apps.jobs.queue import QueueSnapshot
from apps.jobs.selectors import job_concrete, job_expires_at_get, job_queue_place_get, jobs_list_for_user
from apps.jobs.serializers import job_error, job_output_media_url
from workers.choices import MEDIA_IMAGE, MEDIA_VIDEO


def api_keys_list(*, user: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user=user)


def api_key_get_for_user(*, user: User, key_id) -> ApiKey | None:
    return ApiKey.objects.filter(user=user, pk=key_id).first()


def console_jobs_list(*, user: User, kind: str | None = None) -> QuerySet[Job]:
    """The user's jobs with their kind's row joined, newest first; only ``kind``'s when given."""
    jobs = jobs_list_for_user(user=user)
    return jobs.filter(kind=kind) if kind else jobs


def job_start_price_get(*, job: Job) -> int | None:
    """What starting a Draft would cost (None for a job that isn't a Draft)."""
    if job.status != JobStatus.DRAFT:
        return None
    return job_kind_get(job.kind).price(job_concrete(job))


def eta_text(seconds: int | None) -> str:
    """A queued job's ETA as the console shows it."""
    if seconds is None:
        return ""
    if seconds < 60:
        return "done in under a minute"
    if seconds < 3600:
        return f"done in about {round(seconds / 60)} min"
    return f"done in about {seconds / 3600:.1f} h"


# What a browser shows as a picture rather than a video (the outputs' own suffixes, any kind).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def output_media_type(job: Job) -> str:
    """Whether the job's output is a picture or a video, from the file itself (no kind is named)."""
    return MEDIA_IMAGE if job.output_file.lower().endswith(IMAGE_SUFFIXES) else MEDIA_VIDEO


def job_state(job: Job, snapshot: QueueSnapshot | None = None) -> dict:
    """What the pages and the progress poll show about one job (pass one queue `snapshot` for many)."""
    concrete = job_concrete(job)
    place = job_queue_place_get(job=job, snapshot=snapshot)
    kind, label = job_kind_get(job.kind).display(concrete)
    return {
        "id": str(job.id),
        "kind": kind,
        "kind_label": label,
        "name": getattr(concrete, "name", "") or "",
        "status": job.status,
        "progress_percentage": job.progress_percentage,
        "queue_position": place.position if place else None,
        "eta_seconds": place.eta_seconds if place else None,
        "eta_text": eta_text(place.eta_seconds if place else None),
        "credits_charged": job.credits_charged,
        "cancel_refund": job.credits_charged // 2,
        "can_cancel": not job.is_finished,
        "is_finished": job.is_finished,
        "output_media_url": job_output_media_url(job),
        "media_type": output_media_type(job),
        "error": job_error(job),
        "created_at": job.created_at,
        "expires_at": job_expires_at_get(job=job),
        "expired": job.expired_at is not None,
        # A long video split over several GPU workers: its parts, where they ran and how they stand.
        "segments": [{"index": index, "worker": worker, "status": status} for index, worker, status
                     in job.segments.order_by("index").values_list("index", "worker", "status")],
    }
