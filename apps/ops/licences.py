"""Model licences: which models this server may run (commercial mode), what GET models/ lists,
and what every process says at start."""
import logging
from dataclasses import dataclass

from django.conf import settings

from apps.core.licences import licence_policy
from workers.model_zoo.licences import refused_models
from workers.model_zoo.manifest import ModelEntry, ModelManifest

logger = logging.getLogger("apps.ops.licences")


@dataclass(frozen=True)
class ModelListing:
    """One manifest model as GET models/ shows it."""

    entry: ModelEntry
    installed: bool
    allowed: bool  # commercial mode (when on) lets the server run it

    @property
    def usable(self) -> bool:
        return self.installed and self.allowed


def models_listing() -> list[ModelListing]:
    """Every model of the manifest: installed here, allowed in this mode."""
    policy = licence_policy()
    return [ModelListing(entry, entry.path_in(settings.ISAMURAI_MODELS_DIR).is_file(), policy.allows(entry))
            for entry in ModelManifest.load().entries]


def commercial_licence_warn() -> list[str]:
    """With ISAMURAI_COMMERCIAL on, log what the server won't run: each model whose licence forbids
    commercial use (and isn't in ISAMURAI_COMMERCIAL_LICENSED_MODELS), what needs it (answered 503
    naming it), and whether it is installed. Returns the refused models' names."""
    if not settings.ISAMURAI_COMMERCIAL:
        return []
    manifest = ModelManifest.load()
    unknown = [name for name in settings.ISAMURAI_COMMERCIAL_LICENSED_MODELS if name not in manifest]
    if unknown:
        logger.warning("ISAMURAI_COMMERCIAL_LICENSED_MODELS names unknown model(s) %s; known: %s",
                       ", ".join(unknown), ", ".join(manifest.names))
    refused = refused_models(manifest, licence_policy())
    for entry in refused:
        installed = entry.path_in(settings.ISAMURAI_MODELS_DIR).is_file()
        logger.warning(
            "ISAMURAI_COMMERCIAL is on: model %s (%s%s) will not be used, its licence does not allow commercial "
            "use: %s. What needs it (%s) answers 503 naming it. Replace it with a commercially usable model, or "
            "if you hold a commercial licence for it, add it to ISAMURAI_COMMERCIAL_LICENSED_MODELS.",
            entry.name, entry.file, ", installed" if installed else "", entry.license,
            ", ".join(entry.used_by) or "nothing listed",
        )
    return [entry.name for entry in refused]
