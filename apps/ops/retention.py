"""The retention sweep: inputs and outputs of every kind are deleted ISAMURAI_RETENTION_HOURS
after their work ended, in the bucket and on disk: the jobs' by the engine, each kind's other
files (previews, restores) by what its spec lists in ``retention``. Gallery sources are
user-managed (kept until deleted) and not swept. ``user_media_delete`` removes everything a
user's work stored, at once; ``job_media_drop_everywhere`` empties the worker caches of a job."""
import logging
from pathlib import PurePosixPath

from celery import current_app
from django.conf import settings

from apps.accounts.models import User
from apps.core.uploads import UploadFolder
from apps.jobs.kinds import all_kinds
from apps.jobs.models import Job
from apps.jobs.services import job_media_paths, jobs_expire_due, jobs_files_delete_all_for_user

logger = logging.getLogger(__name__)


def retention_sweep() -> dict[str, int]:
    counts = jobs_expire_due()
    for spec in all_kinds():
        for name, expire_due in spec.retention:
            counts[name] = expire_due()
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
    and every kind's other files of the user (its spec's ``user_files``: previews, restored images,
    gallery sources), counted under their folder names. The rows stay (the ledger's history); the
    caller deletes them afterwards. Worker hosts hold no copy once a job ends."""
    counts = jobs_files_delete_all_for_user(user=user, reason="Deleted with the account.")
    for spec in all_kinds():
        for files in spec.user_files:
            relpaths = list(files.model.objects.filter(user=user).exclude(**{files.file_field: ""})
                            .values_list(files.file_field, flat=True))
            for relpath in relpaths:  # the file and its own folder (<area>/<token>/), bucket and disk
                UploadFolder(relpath=str(PurePosixPath(relpath).parent), saved=[relpath]).remove()
            counts[files.folder] = counts.get(files.folder, 0) + len(relpaths)
    logger.info("user %s: media deleted %s", user.pk, counts)
    return counts
