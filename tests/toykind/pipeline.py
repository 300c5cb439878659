"""The toy kind's pipeline: a plain function of workers' shape (no Django). It paints a picture
whose colour comes from the job's word, marks it, and, for the word "wait", waits until the
job is stopped (to show stop-job reaching a running pipeline)."""
import hashlib
import time

import numpy as np

from workers.imaging.codec import JpegEncoder
from workers.pipelines.context import PipelineContext, PipelineResult


def run(ctx: PipelineContext) -> PipelineResult:
    word = ctx.options["word"]
    steps = 600 if word == "wait" else 4
    for step in range(steps):
        ctx.check_cancelled()
        ctx.report_progress((step + 1) / (steps + 1))
        time.sleep(0.05)
    blue, green, red = hashlib.sha256(word.encode()).digest()[:3]
    image = np.full((96, 128, 3), (blue, green, red), dtype=np.uint8)
    if ctx.frame_marker is not None:
        image = ctx.frame_marker(image)
    output = ctx.output_dir / "toy.jpg"
    output.write_bytes(JpegEncoder(quality=90).encode(image))
    return PipelineResult(output=output)
