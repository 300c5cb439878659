"""The process's model registry, built from settings on first use (in the worker's pool
process, never in a parent before it forks), with commercial mode's licence policy."""
from functools import lru_cache

from django.conf import settings

from workers.model_zoo.registry import ModelRegistry

from .licences import licence_policy


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
