"""The slow-motion pipeline with the same one-time crash of one part (see .faceswap)."""
from workers.pipelines.slowmotion import run as _run
from workers.pipelines.slowmotion import segment_plan, segments_join  # noqa: F401  (the engine looks them up here)

from .once import crash_once


def run(ctx):
    crash_once(ctx)
    return _run(ctx)
