"""Which of a user's outputs a watermark's job hash names."""
import uuid

from apps.accounts.models import User
from apps.jobs.kinds import all_kinds
from apps.jobs.models import Job
from workers.provenance.payload import job_hash


def output_id_for_watermark(*, user: User, watermark_job_hash: int) -> uuid.UUID | None:
    """The id of the user's own job, preview or restore whose hash is in the mark; None for
    anybody else's (a hash is never matched against other users' outputs). The kinds name their
    outputs that aren't jobs (previews, restores) in their specs."""
    for model in (Job, *(model for spec in all_kinds() for model in spec.outputs())):
        for output_id in model.objects.filter(user=user).values_list("id", flat=True).iterator():
            if job_hash(output_id) == watermark_job_hash:
                return output_id
    return None
