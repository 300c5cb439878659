"""Commercial mode's licence policy from settings (``workers/model_zoo/licences.py``), in a light
module: the web process reads it for every options check and must not load ONNX Runtime."""
from collections.abc import Callable

from django.conf import settings

from workers.model_zoo.licences import LicencePolicy
from workers.model_zoo.manifest import ModelManifest


def licence_policy() -> LicencePolicy:
    """ISAMURAI_COMMERCIAL and the operator's own licences, read when asked (tests change them)."""
    return LicencePolicy(commercial=settings.ISAMURAI_COMMERCIAL,
                         licensed=frozenset(settings.ISAMURAI_COMMERCIAL_LICENSED_MODELS))


def model_refusal() -> Callable[[str], str | None]:
    """model name -> why this server may not run it (commercial mode), None when it may."""
    policy = licence_policy()
    if not policy.commercial:
        return lambda name: None
    manifest = ModelManifest.load()
    return lambda name: policy.refusal(manifest.get(name))
