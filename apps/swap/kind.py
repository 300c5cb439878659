"""The face swap job kind, as the jobs engine sees it (registered in SwapConfig.ready)."""
from apps.core.provenance import FACE_SWAP_PROVENANCE
from apps.jobs.kinds import JobKindSpec, JobVariant

from .models import FaceSwapJob
from .pricing import faceswap_price
from .serializers import FaceSwapJobOutputSerializer

FACESWAP = JobKindSpec(
    model=FaceSwapJob,
    label="Face swap",
    pipeline="workers.pipelines.faceswap:run",
    price=faceswap_price,
    output_serializer=FaceSwapJobOutputSerializer,
    provenance=FACE_SWAP_PROVENANCE,
    variant=JobVariant(name="multiswap", label="Multi swap"),
)
