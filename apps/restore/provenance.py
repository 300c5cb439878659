"""What a restored photo is, for its C2PA manifest: generated whole."""
from apps.core.provenance import OutputProvenance
from workers.provenance.c2pa_signing import TRAINED_ALGORITHMIC_MEDIA

RESTORE_PROVENANCE = OutputProvenance(TRAINED_ALGORITHMIC_MEDIA, "photo restoration")
