"""A real, simple pipeline for testing the job engine before the model pipelines exist:
an ffmpeg decode -> encode of the target video, frame by frame, through the same streaming
reader/writer and the same progress/cancel hooks the face-swap pipeline uses.

ISAMURAI_TEST_FRAME_DELAY (seconds per frame) slows it so tests can act mid-job.
"""
import os
import time
from dataclasses import dataclass

from workers.pipelines.context import PipelineContext, PipelineResult
from workers.video.probe import MediaProbe
from workers.video.reader import VideoFrameReader
from workers.video.writer import VideoFrameWriter


@dataclass(frozen=True)
class ReencodeReport:
    frames: int
    width: int
    height: int


def reencode(ctx: PipelineContext) -> PipelineResult[ReencodeReport]:
    delay = float(os.environ.get("ISAMURAI_TEST_FRAME_DELAY", "0"))
    info = MediaProbe().probe(ctx.inputs.get("target") or ctx.inputs["source"])  # face swap or slow motion
    output = ctx.output_dir / "output.mp4"
    total = max(1, info.frame_count)
    with VideoFrameReader(info.path, info=info) as reader, VideoFrameWriter(
        output, width=reader.width, height=reader.height, frame_rate=info.frame_rate, audio_source=info
    ) as writer:
        for index, frame in enumerate(reader, start=1):
            ctx.check_cancelled()
            writer.write(frame)
            ctx.report_progress(index / total)
            if delay:
                time.sleep(delay)
    return PipelineResult(output, ReencodeReport(writer.frames_written, reader.width, reader.height))
