"""Slow motion and FPS boost: new frames between the input's, never across a scene cut.

Options (``ctx.options``, a :class:`~workers.pipelines.options.SlowMotionOptions`):

* ``factor`` 2, 4 or 8;
* ``mode``: ``slowmo`` plays ``factor`` x as many frames at the input frame rate (``factor``
  x longer; the audio is slowed to match with its pitch kept, ffmpeg ``atempo``), ``fps``
  plays them at ``factor`` x the frame rate (same duration; the audio is copied);
* ``quality``: ``480p``/``720p``/``1080p`` (shorter side, never upscaled);
* ``interpolator``: ``auto`` (RIFE when its weights are installed, else optical flow),
  ``rife`` or ``flow``.

Frame count: output frame ``k`` shows the input at position ``k * step`` (in input frames),
``step = 1 / factor``, from the first input frame to the last, so ``n`` input frames give
``(n - 1) * factor + 1`` output frames, cuts included. Between the two frames of a scene cut
the new frames repeat the nearer original (the earlier one at the midpoint) instead of
blending two shots. Near-identical frames are cross-faded without calling a model.

In ``fps`` mode the output rate is capped at ``ctx.limits["max_output_fps"]`` (240 when
unset): the frames are then made at the capped rate (``step = input rate / cap``) and the job
report says ``fps_capped``. The report (:class:`SlowMotionReport`, returned with the video) says
which interpolator ran, the output rate, the number of cuts and of frames.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from workers.choices import Interpolator, SlowMotionMode
from workers.errors import ModelUnavailable
from workers.interpolation.base import CrossFadeInterpolator, FrameInterpolator
from workers.interpolation.factory import build_interpolator, resolve_interpolator_name
from workers.interpolation.scene_cut import FrameSignature, SceneCutDetector
from workers.model_zoo.names import RIFE_MODEL
from workers.options import options_parse
from workers.pipelines.context import PipelineContext, PipelineResult
from workers.pipelines.options import SlowMotionOptions
from workers.video.probe import MediaInfo, MediaProbe
from workers.video.quality import target_size
from workers.video.reader import VideoFrameReader
from workers.video.segments import (
    SegmentPart,
    SegmentRange,
    keyframe_indices,
    segment_ranges,
    split_points,
)
from workers.video.segments import segments_join as join_video
from workers.video.writer import VideoFrameWriter

logger = logging.getLogger(__name__)

DEFAULT_MAX_OUTPUT_FPS = 240.0
# ffmpeg's atempo takes 0.5..100 per instance, so slower tempos chain several.
_ATEMPO_MIN = 0.5


@dataclass(frozen=True)
class SlowMotionPlan:
    """The rates and audio treatment of one job, decided before any frame is read."""

    factor: int
    mode: str
    input_rate: Fraction
    output_rate: Fraction
    step: Fraction  # input frames advanced per output frame
    fps_capped: bool
    audio_tempo: Fraction | None  # None: audio copied as is

    @classmethod
    def make(cls, factor: int, mode: str, input_rate: Fraction, max_output_fps: float
             ) -> SlowMotionPlan:
        cap = Fraction(max_output_fps).limit_denominator(1001)
        if mode == SlowMotionMode.FPS:
            wanted = input_rate * factor
            output_rate = min(wanted, cap)
            step = input_rate / output_rate
            return cls(factor, mode, input_rate, output_rate, step, wanted > cap, None)
        # slowmo: the input rate is kept (inputs above the cap are already refused upstream,
        # but a lower cap set by the operator still wins), and the audio is slowed by as much
        # as the picture: source seconds per output second.
        output_rate = min(input_rate, cap)
        step = Fraction(1, factor)
        return cls(factor, mode, input_rate, output_rate, step, input_rate > cap,
                   step * output_rate / input_rate)

    def frames_out(self, frames_in: int) -> int:
        """Output frames for ``frames_in`` input frames: positions 0, step, ... up to n - 1."""
        if frames_in <= 0:
            return 0
        return math.floor((frames_in - 1) / self.step) + 1

    def audio_filter(self, video_seconds: float) -> str | None:
        if self.audio_tempo is None or self.audio_tempo == 1:
            return None
        parts = []
        tempo = float(self.audio_tempo)
        while tempo < _ATEMPO_MIN - 1e-9:
            parts.append(f"atempo={_ATEMPO_MIN}")
            tempo /= _ATEMPO_MIN
        parts.append(f"atempo={tempo:.6f}")
        # (n-1) x N + 1 frames are a little shorter than N x the input; trim the slowed audio
        # to the picture so the two end together.
        parts.append(f"atrim=end={video_seconds:.6f}")
        return ",".join(parts)


@dataclass
class SlowMotionReport:
    interpolator: str
    output_fps: float
    fps_capped: bool
    scene_cuts: int
    frames_out: int
    frames_in: int = 0
    static_pairs: int = 0
    factor: int = 0
    mode: str = ""
    width: int = 0
    height: int = 0


class SlowMotionJob:
    """One slow-motion / FPS-boost job: read, interpolate pair by pair, write."""

    def __init__(self, ctx: PipelineContext, *, detector: SceneCutDetector | None = None,
                 probe: MediaProbe | None = None) -> None:
        self.ctx = ctx
        self.detector = detector or SceneCutDetector()
        self.probe = probe or MediaProbe()
        options = options_parse(SlowMotionOptions, ctx.options)
        self.factor, self.mode = int(options.slowdown_factor), options.mode
        self.quality, self.interpolator_choice = options.quality, options.interpolator
        max_fps = ctx.limits.get("max_output_fps") if ctx.limits else None
        self.max_output_fps = float(max_fps) if max_fps else DEFAULT_MAX_OUTPUT_FPS
        self._crossfade = CrossFadeInterpolator()

    def _interpolator(self) -> FrameInterpolator:
        name = resolve_interpolator_name(self.interpolator_choice, self.ctx.models)
        if name is Interpolator.RIFE and self.ctx.models is None:
            raise ModelUnavailable(RIFE_MODEL, reason="has no model registry configured")
        return build_interpolator(name, self.ctx.models)

    def _setup(self) -> tuple[MediaInfo, int, int, SlowMotionPlan]:
        info = self.probe.probe(Path(self.ctx.inputs["source"]))
        width, height = target_size(info.width, info.height, self.quality)
        plan = SlowMotionPlan.make(self.factor, self.mode, info.frame_rate, self.max_output_fps)
        return info, width, height, plan

    def run(self) -> PipelineResult[SlowMotionReport]:
        info, width, height, plan = self._setup()
        segment: SegmentRange | None = self.ctx.segment
        interpolator = self._interpolator()
        expected_out = plan.frames_out(info.frame_count)
        audio_filter = plan.audio_filter(expected_out / float(plan.output_rate))
        output = Path(self.ctx.output_dir) / f"slowmotion_{self.mode}_{self.factor}x.mp4"
        report = SlowMotionReport(
            interpolator=interpolator.name, output_fps=float(plan.output_rate),
            fps_capped=plan.fps_capped, scene_cuts=0, frames_out=0, factor=self.factor,
            mode=self.mode, width=width, height=height)
        logger.info("slow motion %s x%d with %s: %s fps -> %s fps (capped: %s)", self.mode,
                    self.factor, interpolator.name, plan.input_rate, plan.output_rate,
                    plan.fps_capped)
        part = {} if segment is None else {"start_frame": segment.read_start,
                                           "frame_limit": segment.read_end - segment.read_start}
        # A part of a split job writes no audio: the join adds the source's, once.
        audio = info if info.has_audio and segment is None else None
        if segment is not None and self.ctx.marker is not None:
            self.ctx.marker.start_at(math.ceil(segment.start / plan.step))
        with VideoFrameReader(info.path, info=info, output_size=(width, height), **part) as reader:
            with VideoFrameWriter(output, width=width, height=height,
                                  frame_rate=plan.output_rate,
                                  audio_source=audio,
                                  audio_filter=audio_filter if audio is not None else None,
                                  frame_marker=self.ctx.frame_marker) as writer:
                self._stream(reader, writer, interpolator, plan, info, report, segment)
        report.frames_out = writer.frames_written
        self.ctx.report_progress(1.0)
        return PipelineResult(output, report)

    def _stream(self, reader: VideoFrameReader, writer: VideoFrameWriter,
                interpolator: FrameInterpolator, plan: SlowMotionPlan, info: MediaInfo,
                report: SlowMotionReport, segment: SegmentRange | None = None) -> None:
        # A part (segment) reads one frame past its end, the pair that straddles the border, and
        # makes the output frames whose positions fall in [start, end): output frame k shows
        # input position k * step whichever worker makes it.
        first = segment.read_start if segment is not None else 0
        last_pair = segment.end - 1 if segment is not None and segment.end < info.frame_count else None
        total = max(1, info.frame_count if segment is None else segment.read_end - segment.read_start)
        previous: np.ndarray | None = None
        previous_signature: FrameSignature | None = None
        index = first - 1  # input index of ``previous``
        next_out = math.ceil(first / plan.step)  # the next output frame's number
        reported = 0.0
        for frame in reader:
            self.ctx.check_cancelled()
            signature = self.detector.signature(frame)
            if previous is not None:
                # Output frames whose position falls in [index, index + 1).
                steps = []
                while next_out * plan.step < index + 1:
                    steps.append(next_out * plan.step - index)
                    next_out += 1
                change = self.detector.compare(previous_signature, signature)
                report.scene_cuts += change.is_cut
                report.static_pairs += change.is_static
                for image in self._between(previous, frame, steps, change.is_cut,
                                           change.is_static, interpolator):
                    writer.write(image)
            previous, previous_signature = frame, signature
            index += 1
            report.frames_in = index + 1 - first
            fraction = min(0.99, (index + 1 - first) / total)
            if fraction - reported >= 0.01:  # the engine needn't hear about every frame
                self.ctx.report_progress(fraction)
                reported = fraction
            if last_pair is not None and index > last_pair:
                return  # the next part's frames from here on
        if previous is not None and next_out * plan.step == index:
            writer.write(previous)  # the last input frame closes the sequence

    def _between(self, frame0: np.ndarray, frame1: np.ndarray, steps: list[Fraction],
                 is_cut: bool, is_static: bool, interpolator: FrameInterpolator
                 ) -> list[np.ndarray]:
        """The output frames at ``steps`` (each in [0, 1)) between two input frames."""
        new = [float(t) for t in steps if t != 0]
        if is_cut:
            made = [frame0 if t <= 0.5 else frame1 for t in new]
        elif is_static:
            made = self._crossfade.interpolate(frame0, frame1, new)
        else:
            made = interpolator.interpolate(frame0, frame1, new)
            self.ctx.check_cancelled()
        images = iter(made)
        return [frame0 if t == 0 else next(images) for t in steps]



def segment_plan(ctx: PipelineContext[SlowMotionOptions], segment_seconds: float) -> list[SegmentRange]:
    """How to split this job over workers (see workers.video.segments): [] keeps it whole. Each
    part reads one source frame past its end (the pair whose new frames straddle the border)."""
    job = SlowMotionJob(ctx)
    info = job.probe.probe(Path(ctx.inputs["source"]))
    if segment_seconds <= 0 or info.is_variable_frame_rate or info.frame_count <= segment_seconds * info.fps:
        return []
    detector = job.detector

    def is_cut(index: int) -> bool:
        with VideoFrameReader(info.path, info=info, start_frame=index - 1, frame_limit=2) as reader:
            frames = list(reader)
        return len(frames) == 2 and detector.compare_frames(frames[0], frames[1]).is_cut

    points = split_points(info.frame_count, info.frame_rate, segment_seconds=segment_seconds,
                          keyframes=keyframe_indices(info), align=ctx.marker_period, is_cut=is_cut)
    return segment_ranges(info.frame_count, points, warmup=0, lookahead=1) if points else []


def segments_join(ctx: PipelineContext[SlowMotionOptions], parts: Sequence[SegmentPart]
                  ) -> PipelineResult[SlowMotionReport]:
    """The parts joined into what one run makes: the source's audio slowed (slowmo) or copied (fps)."""
    job = SlowMotionJob(ctx)
    info, width, height, plan = job._setup()
    frames_out = sum(part.frames for part in parts)
    audio_filter = plan.audio_filter(frames_out / float(plan.output_rate))
    output = Path(ctx.output_dir) / f"slowmotion_{job.mode}_{job.factor}x.mp4"
    join_video(parts, output=output, frame_rate=plan.output_rate, audio_source=info if info.has_audio else None,
               audio_filter=audio_filter)
    reports = [part.report for part in parts]
    report = SlowMotionReport(**{**reports[0], "frames_out": frames_out,
                                 **{name: sum(int(r.get(name, 0)) for r in reports)
                                    for name in ("scene_cuts", "frames_in", "static_pairs")}})
    report.frames_in = info.frame_count  # each part counts the frame it shares with the next
    return PipelineResult(output, report)


def run(ctx: PipelineContext[SlowMotionOptions]) -> PipelineResult[SlowMotionReport]:
    """The job engine's entry point (settings: ``workers.pipelines.slowmotion:run``)."""
    return SlowMotionJob(ctx).run()
