"""The retention sweep: inputs and outputs of every kind are deleted ISAMURAI_RETENTION_HOURS
after their work ended, in the bucket and on disk. Gallery sources are user-managed (kept until
deleted) and not swept. ``user_media_delete`` removes everything a user's work stored, at once."""
import logging

from celery import current_app
from django.conf import settings

from apps.accounts.models import User
from apps.jobs.models import Job
from apps.jobs.services import job_media_paths, jobs_expire_due, jobs_files_delete_all_for_user
from apps.restore.services import (
    gallery_sources_delete_for_user,
    restored_images_delete_for_user,
    restored_images_expire_due,
)
from apps.swap.services import previews_delete_for_user, previews_expire_due

logger = logging.getLogger(__name__)


def retention_sweep() -> dict[str, int]:
    counts = jobs_expire_due()
    counts["restored_images"] = restored_images_expire_due()
    counts["previews"] = previews_expire_due()
    if any(counts.values()):
        logger.info("retention: %s", counts)
    return counts


def job_media_drop_everywhere(sender, *, job: Job, **kwargs) -> None:
    """job_finished receiver (S3): tell every worker to drop its copies of the job's files. Each
    task already drops what it fetched when it ends; this reaches what a killed pool process
    left behind on a worker that lives on."""
    if not settings.ISAMURAI_S3_BUCKET:
        return
    try:  # job_finished is sent after the commit: the workers see the job ended
        current_app.control.broadcast("media_cache_drop", arguments={"relpaths": job_media_paths(job=job)})
    except Exception:  # the idle sweep on each worker catches what this misses
        logger.warning("job %s: could not broadcast media_cache_drop", job.id, exc_info=True)


def user_media_delete(*, user: User) -> dict[str, int]:
    """Delete every file `user`'s work stored, in the bucket and on this host (for "delete my
    account"): each job's inputs, sources, thumbnails and output (running jobs are stopped first),
    previews, restored images and gallery sources. The rows stay (the ledger's history); the
    caller deletes the user afterwards. Worker hosts hold no copy once a job ends."""
    counts = jobs_files_delete_all_for_user(user=user, reason="Deleted with the account.")
    counts["previews"] = previews_delete_for_user(user=user)
    counts["restored_images"] = restored_images_delete_for_user(user=user)
    counts["gallery_sources"] = gallery_sources_delete_for_user(user=user)
    logger.info("user %s: media deleted %s", user.pk, counts)
    return counts
