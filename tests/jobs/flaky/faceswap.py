"""The face swap pipeline whose part number ISAMURAI_TEST_FLAKY_SEGMENT crashes on its first run
(per job: a flag file under ISAMURAI_TEST_FLAKY_DIR, shared by the worker processes), so a test
sees one part retried alone. Splitting and joining are the real pipeline's."""
from workers.pipelines.faceswap import run as _run
from workers.pipelines.faceswap import segment_plan, segments_join  # noqa: F401  (the engine looks them up here)

from .once import crash_once


def run(ctx):
    crash_once(ctx)
    return _run(ctx)
