"""The face swap job kind: everything the engine, the URLconf, the console, the admin, provenance,
the webhooks and the retention sweep know about it (registered in SwapConfig.ready)."""
from apps.jobs.kinds import ConsolePage, JobKindSpec, JobVariant, UserFiles
from workers.pipelines.options import FaceSwapBaseOptions

from .admin import FaceSwapJobAdmin
from .console import faceswap_detail_rows, faceswap_new, multiswap_new
from .models import FaceSwapJob, Preview
from .pricing import FACESWAP_PRICES, faceswap_price
from .provenance import FACE_SWAP_PROVENANCE
from .serializers import FaceSwapJobOutputSerializer
from .services import previews_expire_due

FACESWAP = JobKindSpec(
    model=FaceSwapJob,
    label="Face swap",
    pipeline="workers.pipelines.faceswap:run",
    price=faceswap_price,
    prices=FACESWAP_PRICES,
    options=FaceSwapBaseOptions,
    output_serializer=FaceSwapJobOutputSerializer,
    provenance=FACE_SWAP_PROVENANCE,
    variant=JobVariant(name="multiswap", label="Multi swap"),
    urls="apps.swap.urls",
    console=(
        ConsolePage(name="faceswap-new", label="Face swap", path="new/faceswap/", view=faceswap_new,
                    button="New face swap"),
        ConsolePage(name="multiswap-new", label="Multi swap", path="new/multiswap/", view=multiswap_new,
                    button="New multi swap"),
    ),
    detail_rows=faceswap_detail_rows,
    admin=FaceSwapJobAdmin,
    marked_outputs=(Preview,),
    retention=(("previews", previews_expire_due),),
    user_files=(UserFiles(Preview, "output_file", "previews"),),
)
