"""The retention sweep: inputs and outputs of every kind are deleted ISAMURAI_RETENTION_HOURS
after their work ended. Gallery sources are user-managed (kept until deleted) and not swept."""
import logging

from apps.jobs.services import jobs_expire_due
from apps.restore.services import restored_images_expire_due
from apps.swap.services import previews_expire_due

logger = logging.getLogger(__name__)


def retention_sweep() -> dict[str, int]:
    counts = jobs_expire_due()
    counts["restored_images"] = restored_images_expire_due()
    counts["previews"] = previews_expire_due()
    if any(counts.values()):
        logger.info("retention: %s", counts)
    return counts
