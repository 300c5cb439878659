"""The toy kind's one registration: everything the engine, the URLconf, the console, the admin,
provenance and the webhooks know about it."""
from apps.core.provenance import OutputProvenance
from apps.jobs.kinds import ConsolePage, JobKindSpec
from workers.provenance.source_types import TRAINED_ALGORITHMIC_MEDIA

from .admin import ToyJobAdmin
from .console import toy_detail_rows, toy_new
from .models import ToyJob
from .pricing import PER_JOB, toy_price
from .serializers import ToyJobOutputSerializer

TOY = JobKindSpec(
    model=ToyJob,
    label="Toy",
    pipeline="tests.toykind.pipeline:run",
    price=toy_price,
    prices={"job": PER_JOB},
    output_serializer=ToyJobOutputSerializer,
    provenance=OutputProvenance(TRAINED_ALGORITHMIC_MEDIA, "a painted word"),
    urls="tests.toykind.urls",
    console=(ConsolePage(name="toy-new", label="Toy", path="new/toy/", view=toy_new, button="New toy job"),),
    detail_rows=toy_detail_rows,
    admin=ToyJobAdmin,
)
