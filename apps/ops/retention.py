"""The retention sweep: inputs and outputs of every kind are deleted ISAMURAI_RETENTION_HOURS
after their work ended: the jobs' by the engine, each kind's other files (previews, restores) by
what its spec lists in ``retention``. Gallery sources are user-managed (kept until deleted)."""
import logging

from apps.jobs.kinds import all_kinds
from apps.jobs.services import jobs_expire_due

logger = logging.getLogger(__name__)


def retention_sweep() -> dict[str, int]:
    counts = jobs_expire_due()
    for spec in all_kinds():
        for name, expire_due in spec.retention:
            counts[name] = expire_due()
    if any(counts.values()):
        logger.info("retention: %s", counts)
    return counts
