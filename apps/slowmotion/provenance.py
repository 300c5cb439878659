"""What a slow motion output is, for its C2PA manifest: generated whole (in-between frames)."""
from apps.core.provenance import OutputProvenance
from workers.provenance.source_types import TRAINED_ALGORITHMIC_MEDIA

SLOW_MOTION_PROVENANCE = OutputProvenance(TRAINED_ALGORITHMIC_MEDIA, "slow motion with generated in-between frames")
