"""The slow motion job kind: everything the engine, the URLconf, the console, the admin,
provenance and the webhooks know about it (registered in SlowMotionConfig.ready)."""
from apps.jobs.kinds import ConsolePage, JobKindSpec
from workers.pipelines.options import SlowMotionOptions

from .admin import SlowMotionJobAdmin
from .console import slowmotion_detail_rows, slowmotion_new
from .models import SlowMotionJob
from .pricing import SLOWMOTION_PRICES, slowmotion_job_price
from .provenance import SLOW_MOTION_PROVENANCE
from .serializers import SlowMotionJobOutputSerializer

SLOWMOTION = JobKindSpec(
    model=SlowMotionJob,
    label="Slow motion",
    pipeline="workers.pipelines.slowmotion:run",
    price=slowmotion_job_price,
    prices=SLOWMOTION_PRICES,
    options=SlowMotionOptions,
    output_serializer=SlowMotionJobOutputSerializer,
    provenance=SLOW_MOTION_PROVENANCE,
    urls="apps.slowmotion.urls",
    console=(
        ConsolePage(name="slowmotion-new", label="Slow motion", path="new/slowmotion/", view=slowmotion_new,
                    button="New slow motion"),
    ),
    detail_rows=slowmotion_detail_rows,
    admin=SlowMotionJobAdmin,
)
