"""The process's model registry, built from settings on first use (in the worker's pool
process, never in a parent before it forks), and the licence policy of commercial mode."""
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings

from workers.model_zoo.licences import LicencePolicy
from workers.model_zoo.manifest import ModelManifest
from workers.model_zoo.registry import ModelRegistry


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


@lru_cache(maxsize=1)
def model_registry() -> ModelRegistry:
    return ModelRegistry(
        settings.ISAMURAI_MODELS_DIR,
        providers=settings.ISAMURAI_ORT_PROVIDERS,
        allow_cpu_fallback=settings.ISAMURAI_ALLOW_CPU_FALLBACK,
        licences=licence_policy(),
    )


def pipeline_limits() -> dict:
    return {
        "max_video_seconds": settings.ISAMURAI_MAX_VIDEO_SECONDS,
        "max_image_pixels": settings.ISAMURAI_MAX_IMAGE_PIXELS,
        "max_video_pixels": settings.ISAMURAI_MAX_VIDEO_PIXELS,
        "max_output_fps": settings.ISAMURAI_MAX_OUTPUT_FPS,
    }
