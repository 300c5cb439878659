"""Face swap jobs (single and multi person) on videos and images, previews, frame analysis,
the submission-time source check and face restoration.

Every entry point builds one :class:`~workers.processors.frame_swapper.FrameSwapper` and pushes frames
through it, so a preview, an image target and every frame of a video are swapped by the same
code.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from workers.choices import FACE_SELECTIONS
from workers.faces.analyser import DETECTOR_MODEL, EMBEDDER_MODEL, Face, FaceAnalyser, largest, most_prominent
from workers.faces.enhancer import ENHANCER_MODEL, GfpganEnhancer
from workers.faces.matching import (
    SINGLE_SOURCE_KEY,
    AllFacesSelector,
    FaceSelector,
    KnownPersonsSelector,
    ReferencePersonSelector,
)
from workers.faces.swapper import SWAPPER_MODEL, InSwapper
from workers.imaging.codec import ImageDecoder, ImageHeader, JpegEncoder
from workers.pipelines.context import PipelineContext, PipelineError
from workers.processors.frame_swapper import FrameSwapper
from workers.video.lookahead import FrameLookahead
from workers.video.probe import MediaProbe
from workers.video.quality import target_size
from workers.video.reader import VideoFrameReader
from workers.video.writer import VideoFrameWriter

DEFAULT_MAX_IMAGE_PIXELS = 80_000_000
# Thumbnails of analyse-frame: the face box grown by this share of its size on every side, so
# the crop shows the whole head and a face can be found in it again.
THUMBNAIL_MARGIN = 0.4
NO_TARGET_FACE = ("No face was found in the target {kind}; upload a {kind} where at least one "
                  "face is clearly visible.")
NO_SOURCE_FACE = ("No face was found in the source image; upload a photo where one face is clearly "
                  "visible and not too small.")


@dataclass(frozen=True)
class AnalysedPerson:
    """One face of analyse-frame: ``P1``.. left to right, ``bbox`` = [x, y, w, h]."""

    person_id: str
    bbox: list[int]
    thumbnail_jpeg: bytes


# -- building blocks ------------------------------------------------------------------------------

def source_face_check(models, image: np.ndarray) -> Face:
    """The largest face of a source image, with its embedding; PipelineError when there is none."""
    faces = FaceAnalyser(models).analyse(image)
    if not faces:
        raise PipelineError(NO_SOURCE_FACE)
    return largest(faces)


def _thumbnail_face(analyser: FaceAnalyser, thumbnail: np.ndarray) -> Face | None:
    faces = analyser.analyse(thumbnail)
    if not faces:
        # A tight crop leaves the detector no context around the face: pad it and look again.
        pad = max(thumbnail.shape[:2]) // 2
        padded = cv2.copyMakeBorder(thumbnail, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        faces = analyser.analyse(padded)
    return most_prominent(faces, thumbnail.shape) if faces else None


def _selector_and_latents(
    analyser: FaceAnalyser,
    swapper: InSwapper,
    sources: Mapping[str, np.ndarray] | np.ndarray,
    thumbnails: Mapping[str, np.ndarray] | None,
    face_selection: str,
) -> tuple[FaceSelector, dict[str, np.ndarray]]:
    if isinstance(sources, np.ndarray):  # single swap: one source for the chosen face(s)
        if face_selection not in FACE_SELECTIONS:
            raise PipelineError(f"face_selection must be one of {', '.join(FACE_SELECTIONS)}.")
        source = source_face_check(analyser.models, sources)
        selector: FaceSelector = (AllFacesSelector() if face_selection == "all"
                                  else ReferencePersonSelector())
        return selector, {SINGLE_SOURCE_KEY: swapper.source_latent(source.embedding)}
    # Multi swap: each person recognised from its thumbnail; only persons with a source change,
    # but all of them are followed, so a face never gets a source meant for somebody else.
    thumbnails = thumbnails or {}
    persons: dict[str, np.ndarray] = {}
    latents: dict[str, np.ndarray] = {}
    for person_id, thumbnail in thumbnails.items():
        face = _thumbnail_face(analyser, thumbnail)
        if face is None:
            if person_id in sources:
                raise PipelineError(f"No face was found in the thumbnail of {person_id}; run the frame "
                                    "analysis again and send its thumbnails unchanged.")
            continue
        persons[person_id] = face.embedding
    for person_id, source_image in sources.items():
        if person_id not in persons:
            raise PipelineError(f"{person_id} has a source image but no thumbnail from the frame "
                                "analysis; send each person's thumbnail with its source image.")
        try:
            source = source_face_check(analyser.models, source_image)
        except PipelineError:
            raise PipelineError(f"No face was found in the source image of {person_id}; upload a "
                                "photo where one face is clearly visible.") from None
        latents[person_id] = swapper.source_latent(source.embedding)
    return KnownPersonsSelector(persons), latents


def build_frame_swapper(
    models,
    *,
    sources: Mapping[str, np.ndarray] | np.ndarray,
    thumbnails: Mapping[str, np.ndarray] | None = None,
    enhance: bool = False,
    face_selection: str = FACE_SELECTIONS.default,
) -> FrameSwapper:
    """The per-frame swapper of one job; source embeddings/latents are computed here, once."""
    models.require([DETECTOR_MODEL, EMBEDDER_MODEL, SWAPPER_MODEL]
                   + ([ENHANCER_MODEL] if enhance else []))
    analyser = FaceAnalyser(models)
    swapper = InSwapper.from_registry(models)
    selector, latents = _selector_and_latents(analyser, swapper, sources, thumbnails, face_selection)
    enhancer = GfpganEnhancer.from_registry(models) if enhance else None
    return FrameSwapper(analyser, swapper, selector, latents, enhancer)


# -- synchronous entry points (previews, analysis, restore) ---------------------------------------

def swap_image(
    models,
    *,
    target: np.ndarray,
    sources: Mapping[str, np.ndarray] | np.ndarray,
    thumbnails: Mapping[str, np.ndarray] | None = None,
    enhance: bool = False,
    face_selection: str = FACE_SELECTIONS.default,
) -> np.ndarray:
    """A swapped copy of one BGR image (previews). Single: ``sources`` is one BGR image;
    multi: person_id -> source image, with ``thumbnails`` person_id -> thumbnail."""
    swapper = build_frame_swapper(models, sources=sources, thumbnails=thumbnails, enhance=enhance,
                                  face_selection=face_selection)
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


def enhance_faces(models, image: np.ndarray) -> tuple[np.ndarray, int]:
    """Every face of ``image`` restored with GFPGAN (the same enhancer the swap uses);
    returns (restored copy, number of faces)."""
    models.require([DETECTOR_MODEL, ENHANCER_MODEL])
    faces = FaceAnalyser(models).analyse(image, embed=False)
    result = np.ascontiguousarray(image).copy()
    enhancer = GfpganEnhancer.from_registry(models) if faces else None
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


def _job_inputs(ctx: PipelineContext, max_pixels: int):
    inputs = ctx.inputs
    multi = bool(ctx.options.get("multi")) or any(":" in key for key in inputs)
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


def _is_image(path: Path, media_type: str | None) -> bool:
    if media_type in ("image", "video"):
        return media_type == "image"
    with open(path, "rb") as handle:
        head = handle.read(16)
    # Anything that isn't a still image we know is treated as a video; the probe decides.
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _swap_image_file(ctx: PipelineContext, swapper: FrameSwapper, target: Path, quality: str,
                     max_pixels: int) -> Path:
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
    return output


def _swap_video_file(ctx: PipelineContext, swapper: FrameSwapper, target: Path, quality: str) -> Path:
    info = MediaProbe().probe(target)
    width, height = target_size(info.width, info.height, quality)
    output = Path(ctx.output_dir) / "faceswap.mp4"
    progress = _Progress(ctx, info.frame_count)
    # Decode (ffmpeg, scaled to the output size), analysis (a thread, frames ahead), swap (here,
    # in order) and encode (ffmpeg) all run at once; the bounded queues between them keep
    # memory flat.
    with VideoFrameReader(target, info=info, output_size=(width, height)) as reader, \
            VideoFrameWriter(output, width=width, height=height, frame_rate=info.frame_rate,
                             audio_source=info, frame_marker=ctx.frame_marker) as writer, \
            FrameLookahead(reader, swapper.analyse) as analysed:
        for done, (frame, faces) in enumerate(analysed, start=1):
            ctx.check_cancelled()
            writer.write(swapper.apply(frame, faces))
            progress.update(done)
        if swapper.frames_with_faces == 0:
            raise PipelineError(NO_TARGET_FACE.format(kind="video"))
    return output


def run(ctx: PipelineContext) -> Path:
    """The face swap job: ctx.inputs and ctx.options as described in the module's callers."""
    options = ctx.options
    max_pixels = int(ctx.limits.get("max_image_pixels", DEFAULT_MAX_IMAGE_PIXELS))
    target = Path(ctx.inputs["target"])
    quality = str(options.get("gquality") or "720p")
    sources, thumbnails = _job_inputs(ctx, max_pixels)
    swapper = build_frame_swapper(ctx.models, sources=sources, thumbnails=thumbnails,
                                  enhance=bool(options.get("enhance", False)),
                                  face_selection=str(options.get("face_selection") or FACE_SELECTIONS.default))
    Path(ctx.output_dir).mkdir(parents=True, exist_ok=True)
    ctx.check_cancelled()
    if _is_image(target, options.get("media_type")):
        return _swap_image_file(ctx, swapper, target, quality, max_pixels)
    return _swap_video_file(ctx, swapper, target, quality)
