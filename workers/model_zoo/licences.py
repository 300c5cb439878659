"""Which models a server may run under its licence terms: with commercial mode on
(``ISAMURAI_COMMERCIAL``), only the manifest's ``commercial_use`` models, plus those the operator
states they hold a commercial licence for (``ISAMURAI_COMMERCIAL_LICENSED_MODELS``, e.g. after
buying InsightFace's). One policy object, read by the registry (a refused model is never loaded),
the options check (400 before any charge), ``download_models`` and ``GET /api/models/``."""
from __future__ import annotations

from dataclasses import dataclass, field

from workers.model_zoo.manifest import ModelEntry, ModelManifest


@dataclass(frozen=True)
class LicencePolicy:
    commercial: bool = False
    licensed: frozenset[str] = field(default_factory=frozenset)  # the operator's own commercial licences

    def allows(self, entry: ModelEntry) -> bool:
        return not self.commercial or entry.commercial_use or entry.name in self.licensed

    def refusal(self, entry: ModelEntry) -> str | None:
        """Why ``entry`` may not run here, as a sentence; None when it may."""
        if self.allows(entry):
            return None
        return (f"model '{entry.name}' is licensed '{entry.license}', which does not allow commercial use, "
                "and this server runs in commercial mode (ISAMURAI_COMMERCIAL=true)")


PERMISSIVE = LicencePolicy()


def refused_models(manifest: ModelManifest, policy: LicencePolicy) -> list[ModelEntry]:
    return [entry for entry in manifest.entries if not policy.allows(entry)]
