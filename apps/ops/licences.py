"""Model licences: which installed models may be used commercially, and the start-up warning."""
import logging

from django.conf import settings

from workers.model_zoo.manifest import ModelEntry, ModelManifest, installed_entries, non_commercial_installed

logger = logging.getLogger("apps.ops.licences")


def models_installed_list() -> list[ModelEntry]:
    return installed_entries(ModelManifest.load(), settings.ISAMURAI_MODELS_DIR)


def commercial_licence_warn() -> list[str]:
    """With ISAMURAI_COMMERCIAL on, log a warning naming each installed non-commercial model."""
    if not settings.ISAMURAI_COMMERCIAL:
        return []
    blocked = non_commercial_installed(ModelManifest.load(), settings.ISAMURAI_MODELS_DIR)
    for entry in blocked:
        logger.warning(
            "ISAMURAI_COMMERCIAL is on but model %s (%s) is installed, and its licence does not allow "
            "commercial use: %s. Replace it with a licensed model or get a commercial licence.",
            entry.name, entry.file, entry.license,
        )
    return [entry.name for entry in blocked]
