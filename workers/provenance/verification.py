"""Reading the marks back from a file someone uploads to /api/verify/."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workers.imaging.codec import ImageDecoder
from workers.provenance.c2pa_signing import ManifestSummary, manifest_read
from workers.provenance.payload import WatermarkPayload
from workers.provenance.watermark import DwtDctWatermark, WatermarkReading
from workers.video.probe import MediaProbe
from workers.video.reader import VideoFrameReader

# Frames of a video read for the watermark, spread over its length; the votes of those that look
# marked are pooled (a server may mark only every n-th frame: unmarked frames vote at random).
VIDEO_SAMPLE_FRAMES = 24
MARKED_CONFIDENCE = 0.4  # unmarked frames read ~0.1-0.2, marked ones ~0.8 even after CRF 28
# Only the start of a video is read (every frame carries the whole mark), so a long upload
# costs a bounded decode.
VIDEO_SAMPLE_SECONDS = 30
_MIME_BY_FORMAT = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True)
class Inspection:
    manifest: ManifestSummary
    payload: WatermarkPayload | None  # None: no readable mark


def _image_format(data: bytes) -> str | None:
    """jpeg/png/webp from the magic bytes; None for anything else (treated as a video)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _video_reading(path: Path, watermark: DwtDctWatermark) -> WatermarkReading:
    info = MediaProbe().probe(path)
    span = min(info.frame_count, int(VIDEO_SAMPLE_SECONDS * float(info.frame_rate)) or info.frame_count)
    every = max(1, span // VIDEO_SAMPLE_FRAMES)
    readings = []
    with VideoFrameReader(path, info=info) as reader:
        for index, frame in enumerate(reader):
            if index % every == 0:
                readings.append(watermark.read(frame))
            if len(readings) >= VIDEO_SAMPLE_FRAMES:
                break
    marked = [reading for reading in readings if reading.confidence >= MARKED_CONFIDENCE]
    if marked or readings:
        return DwtDctWatermark.combine(marked or readings)
    return watermark.read(np.zeros((1, 1, 3), np.uint8))


def media_inspect(path: str | Path, *, max_image_pixels: int, watermark: DwtDctWatermark | None = None) -> Inspection:
    """The C2PA manifest and the watermark payload of an image or video file (MediaError when
    the file is neither)."""
    path = Path(path)
    watermark = watermark or DwtDctWatermark()
    data = path.read_bytes()
    image_format = _image_format(data)
    if image_format is not None:
        manifest = manifest_read(data, mime_type=_MIME_BY_FORMAT[image_format])
        reading = watermark.read(ImageDecoder(max_image_pixels).decode(data))
    else:
        reading = _video_reading(path, watermark)  # MediaError when ffprobe can't read it
        manifest = manifest_read(data, mime_type="video/mp4")
    return Inspection(manifest=manifest, payload=WatermarkPayload.from_bits(reading.bits))
