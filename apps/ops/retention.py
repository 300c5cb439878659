"""The retention sweep: inputs and outputs of every kind are deleted ISAMURAI_RETENTION_HOURS
after their work ended, in the bucket and on disk. Gallery sources are user-managed (kept until
deleted) and not swept. ``user_media_delete`` removes everything a user's work stored, at once."""
import logging

from apps.accounts.models import User
from apps.jobs.services import jobs_expire_due, jobs_files_delete_all_for_user
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
