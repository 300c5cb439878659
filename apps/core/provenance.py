"""What each kind of output is, for its C2PA manifest (light: the job kinds name these; the marks
themselves are built on a worker by ``apps.core.marking``)."""
from dataclasses import dataclass

from workers.provenance.source_types import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, TRAINED_ALGORITHMIC_MEDIA


@dataclass(frozen=True)
class OutputProvenance:
    """What an output is, for its C2PA manifest. Each job kind states its own (JobKindSpec)."""

    digital_source_type: str
    description: str


# A face swap puts generated pixels into the caller's picture; the other outputs are generated whole.
FACE_SWAP_PROVENANCE = OutputProvenance(COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, "face swap")
PREVIEW_PROVENANCE = OutputProvenance(COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, "face swap preview")
SLOW_MOTION_PROVENANCE = OutputProvenance(TRAINED_ALGORITHMIC_MEDIA, "slow motion with generated in-between frames")
RESTORE_PROVENANCE = OutputProvenance(TRAINED_ALGORITHMIC_MEDIA, "photo restoration")
