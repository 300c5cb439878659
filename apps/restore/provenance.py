"""What a restored photo is, for its C2PA manifest: generated whole."""
from apps.core.provenance import OutputProvenance
from workers.provenance.source_types import TRAINED_ALGORITHMIC_MEDIA

RESTORE_PROVENANCE = OutputProvenance(TRAINED_ALGORITHMIC_MEDIA, "photo restoration")
