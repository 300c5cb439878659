"""What a face swap's outputs are, for their C2PA manifests: generated pixels put into the
caller's picture."""
from apps.core.provenance import OutputProvenance
from workers.provenance.source_types import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA

FACE_SWAP_PROVENANCE = OutputProvenance(COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, "face swap")
PREVIEW_PROVENANCE = OutputProvenance(COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, "face swap preview")
