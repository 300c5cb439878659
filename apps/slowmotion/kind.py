"""The slow motion job kind, as the jobs engine sees it (registered in SlowMotionConfig.ready)."""
from apps.core.provenance import SLOW_MOTION_PROVENANCE
from apps.jobs.kinds import JobKindSpec

from .models import SlowMotionJob
from .pricing import slowmotion_job_price
from .serializers import SlowMotionJobOutputSerializer

SLOWMOTION = JobKindSpec(
    model=SlowMotionJob,
    label="Slow motion",
    pipeline="workers.pipelines.slowmotion:run",
    price=slowmotion_job_price,
    output_serializer=SlowMotionJobOutputSerializer,
    provenance=SLOW_MOTION_PROVENANCE,
)
