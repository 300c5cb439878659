"""Face swap jobs (single and multi person) on videos and images, previews, frame analysis,
the submission-time source check and face restoration.

Every entry point builds one :class:`~workers.processors.frame_swapper.FrameSwapper` and pushes frames
through it, so a preview, an image target and every frame of a video are swapped by the same
code.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from workers.choices import (
    CODEFORMER_FIDELITY_DEFAULT,
    ENHANCER_WEIGHTS,
    MEDIA_IMAGE,
    MEDIA_VIDEO,
    EnhanceModel,
    FaceSelection,
    MediaType,
)
from workers.faces.analyser import DETECTOR_MODEL, Face, FaceAnalyser, most_prominent
from workers.faces.enhancers import face_enhancer_create
from workers.faces.matching import ReferencePersonSelector
from workers.faces.stability import DEFAULT_MAX_GAP, FaceStabiliser
from workers.faces.swappers import swapper_load
from workers.imaging.codec import ImageDecoder, ImageHeader, JpegEncoder
from workers.interpolation.scene_cut import SceneCutDetector
from workers.options import required_models
from workers.pipelines.context import PipelineContext, PipelineError, PipelineResult
from workers.pipelines.options import FACESWAP_MODELS, FaceSwapBaseOptions, faceswap_options
from workers.pipelines.sources import (  # noqa: F401  (source_face_check, NO_SOURCE_FACE: callers' names)
    NO_SOURCE_FACE,
    SourceImages,
    SwapSources,
    selector_and_latents,
    source_face_check,
    sources_analyse,
)
from workers.processors.chain import processor_chain
from workers.processors.frame_swapper import FrameSwapper
from workers.video.lookahead import FrameLookahead
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

DEFAULT_MAX_IMAGE_PIXELS = 80_000_000
# Thumbnails of analyse-frame: the face box grown by this share of its size on every side, so
# the crop shows the whole head and a face can be found in it again.
THUMBNAIL_MARGIN = 0.4
# A split job's part decodes this many frames before its first kept one, unswapped: the person
# tracker's memory and the One-Euro filter (a still face's state decays by ~0.89 a frame) settle
# to what one worker's run has there (the difference left is measured by bench_segments.py).
SEGMENT_WARMUP_FRAMES = 30
NO_TARGET_FACE = ("No face was found in the target {kind}; upload a {kind} where at least one "
                  "face is clearly visible.")


@dataclass(frozen=True)
class AnalysedPerson:
    """One face of analyse-frame: ``P1``.. left to right, ``bbox`` = [x, y, w, h]."""

    person_id: str
    bbox: list[int]
    thumbnail_jpeg: bytes


# -- building blocks ------------------------------------------------------------------------------

def build_frame_swapper(
    models,
    *,
    sources: SwapSources | Mapping[str, SourceImages] | SourceImages,
    thumbnails: Mapping[str, np.ndarray] | None = None,
    options: FaceSwapBaseOptions | Mapping[str, Any] | None = None,
    **values: Any,
) -> FrameSwapper:
    """The per-frame swapper of one job. ``sources`` analysed at submission (:class:`SwapSources`)
    are used as they are; images are analysed here (see ``sources_analyse``). Latents: once.
    ``options``: the job's face swap options (``faceswap_options``; keywords for callers that
    set a few, e.g. ``face_selection="all"``). Every model the options need is checked first."""
    options = faceswap_options(options, **values)
    models.require(list(FACESWAP_MODELS) + required_models(options))
    analyser = FaceAnalyser(models)
    swapper = swapper_load(models, options.swap_model)
    if not isinstance(sources, SwapSources):
        sources = sources_analyse(analyser, sources, thumbnails)
    selector, latents = selector_and_latents(swapper, sources, options.face_selection)
    stabiliser = FaceStabiliser() if options.video_stability else None
    return FrameSwapper(analyser, selector, latents, processor_chain(models, swapper, options), stabiliser)


# -- synchronous entry points (previews, analysis, restore) ---------------------------------------

def swap_image(
    models,
    *,
    target: np.ndarray,
    sources: SwapSources | Mapping[str, SourceImages] | SourceImages,
    thumbnails: Mapping[str, np.ndarray] | None = None,
    options: FaceSwapBaseOptions | Mapping[str, Any] | None = None,
    **values: Any,
) -> np.ndarray:
    """A swapped copy of one BGR image (previews). Single: ``sources`` is one BGR image;
    multi: person_id -> source image, with ``thumbnails`` person_id -> thumbnail."""
    swapper = build_frame_swapper(models, sources=sources, thumbnails=thumbnails, options=options, **values)
    result = swapper.process(np.ascontiguousarray(target).copy())
    if swapper.frames_with_faces == 0:
        raise PipelineError(NO_TARGET_FACE.format(kind="image"))
    return result


def analyse_frame(models, image: np.ndarray) -> list[AnalysedPerson]:
    """Every face of ``image``, numbered P1.. from left to right, with a JPEG thumbnail each."""
    faces = FaceAnalyser(models).analyse(image, embed=False)
    faces.sort(key=lambda face: face.centre[0])
    encoder = JpegEncoder(quality=90)
    persons = []
    for number, face in enumerate(faces, start=1):
        margin = THUMBNAIL_MARGIN * max(face.width, face.height)
        grown = Face(box=np.array([face.box[0] - margin, face.box[1] - margin,
                                   face.box[2] + margin, face.box[3] + margin]),
                     score=face.score, keypoints=face.keypoints)
        x1, y1, x2, y2 = grown.pixel_box(image.shape)
        persons.append(AnalysedPerson(person_id=f"P{number}", bbox=face.xywh(image.shape),
                                      thumbnail_jpeg=encoder.encode(image[y1:y2, x1:x2])))
    return persons


def enhance_faces(models, image: np.ndarray, *, model: EnhanceModel = EnhanceModel.GFPGAN_1_4,
                  fidelity: float = CODEFORMER_FIDELITY_DEFAULT) -> tuple[np.ndarray, int]:
    """Every face of ``image`` restored with the enhancer ``model`` (the swap's enhance step's
    enhancers); returns (restored copy, number of faces)."""
    models.require([DETECTOR_MODEL, ENHANCER_WEIGHTS[model]])
    faces = FaceAnalyser(models).analyse(image, embed=False)
    result = np.ascontiguousarray(image).copy()
    enhancer = face_enhancer_create(models, model=model, fidelity=fidelity) if faces else None
    for face in faces:
        enhancer.enhance(result, face)
    return result, len(faces)


# -- the job ---------------------------------------------------------------------------------------

class _Progress:
    """Reports whole percents only, so the engine isn't called for every frame."""

    def __init__(self, ctx: PipelineContext, total: int) -> None:
        self.ctx, self.total, self.last = ctx, max(1, total), -1

    def update(self, done: int) -> None:
        fraction = min(1.0, done / self.total)
        if int(fraction * 100) > self.last:
            self.last = int(fraction * 100)
            self.ctx.report_progress(fraction)


def _read_image(path: Path, max_pixels: int) -> np.ndarray:
    return ImageDecoder(max_pixels).decode_file(path)


def _job_inputs(ctx: PipelineContext, options: FaceSwapBaseOptions, max_pixels: int):
    inputs = ctx.inputs
    multi = options.multi or any(":" in key for key in inputs)
    if not multi:
        return _read_image(inputs["source"], max_pixels), None
    sources: dict[str, np.ndarray] = {}
    thumbnails: dict[str, np.ndarray] = {}
    for key, path in inputs.items():
        kind, _, person_id = key.partition(":")
        if kind == "source" and person_id:
            sources[person_id] = _read_image(path, max_pixels)
        elif kind == "thumbnail" and person_id:
            thumbnails[person_id] = _read_image(path, max_pixels)
    return sources, thumbnails


_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def _is_image(path: Path, media_type: MediaType | None) -> bool:
    if media_type is not None:
        return media_type is MediaType.IMAGE
    with open(path, "rb") as handle:
        head = handle.read(16)
    # Anything that isn't a still image we know is treated as a video; the probe decides.
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _swap_image_file(ctx: PipelineContext, swapper: FrameSwapper, target: Path, quality: str,
                     max_pixels: int) -> PipelineResult[FaceSwapReport]:
    data = target.read_bytes()
    image = ImageDecoder(max_pixels).decode(data)
    ctx.check_cancelled()
    width, height = target_size(image.shape[1], image.shape[0], quality)
    if (width, height) != (image.shape[1], image.shape[0]):
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    result = swapper.process(image)
    if swapper.frames_with_faces == 0:
        raise PipelineError(NO_TARGET_FACE.format(kind="image"))
    if ctx.frame_marker is not None:
        result = ctx.frame_marker(result)
    ctx.check_cancelled()
    is_png = ImageHeader(data).format == "png"
    output = Path(ctx.output_dir) / ("faceswap.png" if is_png else "faceswap.jpg")
    ok, encoded = cv2.imencode(".png" if is_png else ".jpg", result,
                               [] if is_png else [cv2.IMWRITE_JPEG_QUALITY, 95])
    if not ok:
        raise PipelineError("The result image could not be encoded.")
    partial = output.with_name(f".{output.name}.partial")
    partial.write_bytes(encoded.tobytes())
    os.replace(partial, output)
    ctx.report_progress(1.0)
    return PipelineResult(output, FaceSwapReport(MEDIA_IMAGE, 1, swapper.frames_with_faces,
                                                 swapper.faces_swapped, width, height))


def _swap_video_file(ctx: PipelineContext, swapper: FrameSwapper, target: Path, quality: str
                     ) -> PipelineResult[FaceSwapReport]:
    info = MediaProbe().probe(target)
    width, height = target_size(info.width, info.height, quality)
    output = Path(ctx.output_dir) / "faceswap.mp4"
    segment: SegmentRange | None = ctx.segment
    part = {} if segment is None else {"start_frame": segment.read_start,
                                       "frame_limit": segment.read_end - segment.read_start}
    keep = None if segment is None else range(segment.warmup, segment.warmup + segment.kept)
    if segment is not None:
        reference = segment.state.get("reference")
        if reference is not None and isinstance(swapper.selector, ReferencePersonSelector):
            swapper.selector.set_reference(np.asarray(reference, np.float32))
        if ctx.marker is not None:
            ctx.marker.start_at(segment.start)
    progress = _Progress(ctx, info.frame_count if segment is None else segment.kept)
    # Decode (ffmpeg, scaled to the output size), analysis (a thread, frames ahead), swap (here,
    # in order) and encode (ffmpeg) all run at once; the bounded queues between them keep
    # memory flat.
    with VideoFrameReader(target, info=info, output_size=(width, height), **part) as reader, \
            VideoFrameWriter(output, width=width, height=height, frame_rate=info.frame_rate,
                             audio_source=info if segment is None else None,
                             frame_marker=ctx.frame_marker) as writer, \
            FrameLookahead(reader, swapper.analyse) as analysed:
        for done, frame in enumerate(swapper.stream(analysed, keep), start=1):
            ctx.check_cancelled()
            writer.write(frame)
            progress.update(done)
        # A part may hold no face; the join checks the whole video.
        if swapper.frames_with_faces == 0 and segment is None:
            raise PipelineError(NO_TARGET_FACE.format(kind="video"))
    return PipelineResult(output, FaceSwapReport(MEDIA_VIDEO, writer.frames_written, swapper.frames_with_faces,
                                                 swapper.faces_swapped, width, height))


def _reference_embedding(ctx: PipelineContext, info: MediaInfo, size: tuple[int, int]) -> list[float] | None:
    """The embedding of the most prominent face of the video's first frame with a face: whom
    'reference' follows in one worker's run, so every part follows the same person."""
    analyser = FaceAnalyser(ctx.models)
    with VideoFrameReader(info.path, info=info, output_size=size) as reader:
        for frame in reader:
            ctx.check_cancelled()
            faces = analyser.analyse(frame, embed=True)
            if faces:
                return [float(value) for value in most_prominent(faces, frame.shape).embedding]
    return None


def _is_cut_at(info: MediaInfo) -> Callable[[int], bool]:
    detector = SceneCutDetector()

    def is_cut(index: int) -> bool:
        with VideoFrameReader(info.path, info=info, start_frame=index - 1, frame_limit=2) as reader:
            frames = list(reader)
        return len(frames) == 2 and detector.compare_frames(frames[0], frames[1]).is_cut

    return is_cut


def segment_plan(ctx: PipelineContext[FaceSwapBaseOptions], segment_seconds: float) -> list[SegmentRange]:
    """How to split this job over workers (see workers.video.segments): [] keeps it whole (a
    photo, a video of at most ``segment_seconds``, a variable frame rate)."""
    options = faceswap_options(ctx.options)
    target = Path(ctx.inputs["target"])
    if segment_seconds <= 0 or _is_image(target, options.media_type):
        return []
    info = MediaProbe().probe(target)
    if info.is_variable_frame_rate or info.frame_count <= segment_seconds * info.fps:
        return []
    points = split_points(info.frame_count, info.frame_rate, segment_seconds=segment_seconds,
                          keyframes=keyframe_indices(info), align=ctx.marker_period, is_cut=_is_cut_at(info))
    if not points:
        return []
    state: dict[str, Any] = {}
    if not options.multi and options.face_selection is FaceSelection.REFERENCE:
        reference = _reference_embedding(ctx, info, target_size(info.width, info.height, options.gquality))
        if reference is not None:
            state["reference"] = reference
    # Stability looks DEFAULT_MAX_GAP frames ahead to fill a missed face: a part reads past its end.
    lookahead = DEFAULT_MAX_GAP + 1 if options.video_stability else 0
    return segment_ranges(info.frame_count, points, warmup=SEGMENT_WARMUP_FRAMES, lookahead=lookahead, state=state)


def segments_join(ctx: PipelineContext[FaceSwapBaseOptions], parts: Sequence[SegmentPart]
                  ) -> PipelineResult[FaceSwapReport]:
    """The parts of a split job, joined into what one run makes (the target's audio untouched)."""
    target = Path(ctx.inputs["target"])
    info = MediaProbe().probe(target)
    reports = [part.report for part in parts]
    with_faces = sum(int(report.get("frames_with_faces", 0)) for report in reports)
    if with_faces == 0:
        raise PipelineError(NO_TARGET_FACE.format(kind="video"))
    output = Path(ctx.output_dir) / "faceswap.mp4"
    join_video(parts, output=output, frame_rate=Fraction(info.frame_rate).limit_denominator(1001), audio_source=info)
    first = reports[0]
    return PipelineResult(output, FaceSwapReport(
        MEDIA_VIDEO, sum(part.frames for part in parts), with_faces,
        sum(int(report.get("faces_swapped", 0)) for report in reports), int(first.get("width", 0)),
        int(first.get("height", 0)), source_embedding=str(first.get("source_embedding", "computed"))))


@dataclass(frozen=True)
class FaceSwapReport:
    """What a face-swap job did, stored with the job."""

    media_type: str
    frames: int
    frames_with_faces: int
    faces_swapped: int
    width: int
    height: int
    # "reused": the sources' embeddings came with the job (analysed at submission);
    # "computed": the pipeline analysed source images itself.
    source_embedding: str = "computed"


def run(ctx: PipelineContext[FaceSwapBaseOptions]) -> PipelineResult[FaceSwapReport]:
    """The face swap job: ``ctx.inputs`` holds ``target`` and ``source`` (single) or
    ``source:P1``/``thumbnail:P1``.. (multi); ``ctx.options`` its face swap options
    (``faceswap_options_schema()``; a mapping is read into one)."""
    options = faceswap_options(ctx.options)
    stored_sources = SwapSources.from_json(options.sources) if options.sources is not None else None
    max_pixels = int(ctx.limits.get("max_image_pixels", DEFAULT_MAX_IMAGE_PIXELS))
    target = Path(ctx.inputs["target"])
    # Sources analysed at submission are reused as they are; only a job given bare images
    # (older jobs, direct callers) decodes, detects and embeds them here.
    if stored_sources is not None:
        sources, thumbnails = stored_sources, None
    else:
        sources, thumbnails = _job_inputs(ctx, options, max_pixels)
    swapper = build_frame_swapper(ctx.models, sources=sources, thumbnails=thumbnails, options=options)
    Path(ctx.output_dir).mkdir(parents=True, exist_ok=True)
    ctx.check_cancelled()
    if _is_image(target, options.media_type):
        result = _swap_image_file(ctx, swapper, target, options.gquality, max_pixels)
    else:
        result = _swap_video_file(ctx, swapper, target, options.gquality)
    reuse = "reused" if stored_sources is not None else "computed"
    return PipelineResult(result.output, replace(result.report, source_embedding=reuse))
