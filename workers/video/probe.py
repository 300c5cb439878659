"""Probe media files with ffprobe and check them against the server's limits."""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from workers.errors import MediaError

# Containers ffprobe reports for still images; a single picture is not a video upload.
_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "gif", "tiff_pipe")
# A frame-rate disagreement larger than this between r_frame_rate and avg_frame_rate means VFR.
_VFR_TOLERANCE = 0.01


@dataclass(frozen=True)
class AudioStreamInfo:
    codec: str
    channels: int
    sample_rate: int


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about a video file, normalised for the pipeline."""

    path: Path
    container: str
    video_codec: str
    pixel_format: str
    coded_width: int
    coded_height: int
    rotation: int  # degrees, one of 0/90/180/270, as stored in the display matrix
    frame_rate: Fraction  # the rate frames are read at (avg rate for VFR input)
    is_variable_frame_rate: bool
    duration_seconds: float
    frame_count: int  # from the container when it says, else duration x rate
    audio_streams: tuple[AudioStreamInfo, ...]

    @property
    def width(self) -> int:
        """Displayed width: rotation by 90/270 swaps the coded sides."""
        return self.coded_height if self.rotation in (90, 270) else self.coded_width

    @property
    def height(self) -> int:
        return self.coded_width if self.rotation in (90, 270) else self.coded_height

    @property
    def fps(self) -> float:
        return float(self.frame_rate)

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_streams)

    @property
    def pixel_count(self) -> int:
        return self.coded_width * self.coded_height


def _fraction(text: str | None) -> Fraction | None:
    if not text or text in ("0/0", "N/A"):
        return None
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def _float(text: object) -> float | None:
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None


_MP4_BOX_TYPES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")


def _looks_like_mp4(path: Path) -> bool:
    """True when the file starts with an MP4/MOV box, i.e. it was a video before being cut."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    return len(head) == 8 and head[4:8] in _MP4_BOX_TYPES


# Still-image signatures: ffmpeg's image2 demuxer trusts a file's name (.jpg), not its bytes.
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")


def _content_description(path: Path) -> str | None:
    """None when the bytes start like a still image; else what they look like, in words."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(_IMAGE_SIGNATURES):
        return None
    if not head:
        return "nothing (it is empty)"
    for cut in range(4):  # the 512 bytes may end inside a multi-byte character
        try:
            text = head[:len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if all(char.isprintable() or char.isspace() for char in text):
            return "text"
        break
    return "data in no image or video format we know"


def _rotation(stream: dict) -> int:
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            return int(round(float(side_data["rotation"]))) % 360
    rotate_tag = (stream.get("tags") or {}).get("rotate")
    if rotate_tag is not None:
        try:
            return int(rotate_tag) % 360
        except ValueError:
            return 0
    return 0


class MediaProbe:
    """Runs ffprobe on a file and turns its JSON into a :class:`MediaInfo`."""

    def __init__(self, ffprobe: str = "ffprobe", timeout_seconds: float = 60.0) -> None:
        self.ffprobe = ffprobe
        self.timeout_seconds = timeout_seconds

    def _run(self, path: Path) -> dict:
        command = [
            self.ffprobe, "-v", "error", "-print_format", "json",
            "-show_format", "-show_streams", str(path),
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, timeout=self.timeout_seconds, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise MediaError(
                "The video could not be read in time; upload a standard MP4 or MOV file.",
                detail=f"ffprobe timed out after {self.timeout_seconds}s",
            ) from exc
        stderr = result.stderr.decode("utf-8", "replace")[-2000:]
        if (result.returncode != 0 and "moov atom not found" in stderr
                and _looks_like_mp4(path)):
            raise MediaError(
                "The video file is incomplete (it may have been cut off during upload); "
                "upload the whole file again.",
                detail=stderr,
            )
        if result.returncode != 0:
            raise MediaError(
                "The file is not a video we can read; upload an MP4 or MOV video.",
                detail=stderr,
            )
        try:
            return json.loads(result.stdout or b"{}")
        except json.JSONDecodeError as exc:
            raise MediaError(
                "The file is not a video we can read; upload an MP4 or MOV video.",
                detail=stderr,
            ) from exc

    def video_packet_count(self, path: str | Path) -> tuple[int, bool]:
        """(video packets the demuxer reads, whether it hit the end of a cut-off file). Demuxing only,
        nothing is decoded: a fraction of a second even for long videos."""
        command = [self.ffprobe, "-v", "error", "-select_streams", "v:0", "-count_packets",
                   "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(path)]
        try:
            result = subprocess.run(command, capture_output=True, timeout=self.timeout_seconds, check=False)
        except subprocess.TimeoutExpired as exc:
            raise MediaError("The video could not be read in time; upload a standard MP4 or MOV file.",
                             detail=f"ffprobe -count_packets timed out after {self.timeout_seconds}s") from exc
        text = result.stdout.decode("utf-8", "replace").strip().split(",")[0]
        stderr = result.stderr.decode("utf-8", "replace")
        return (int(text) if text.isdigit() else 0), "partial file" in stderr

    def probe(self, path: str | Path) -> MediaInfo:
        """Describe the file's first video stream; MediaError when it isn't a usable video."""
        path = Path(path)
        if not path.is_file():
            raise MediaError("The video file is missing; upload it again.", detail=str(path))
        data = self._run(path)
        fmt = data.get("format") or {}
        streams = data.get("streams") or []
        container = str(fmt.get("format_name") or "")
        video = next(
            (
                s for s in streams
                if s.get("codec_type") == "video"
                and not (s.get("disposition") or {}).get("attached_pic")
            ),
            None,
        )
        if video is None:
            raise MediaError(
                "The file has no video stream; upload a video with picture, not only sound.",
                detail=f"streams: {[s.get('codec_type') for s in streams]}",
            )
        if container in _IMAGE_FORMATS or container.endswith("_pipe"):
            content = _content_description(path)
            if content is not None:
                raise MediaError(
                    f"The file is named like an image ({path.suffix or 'no extension'}) but holds {content}, "
                    "not an image or a video; upload an MP4 or MOV video.",
                    detail=f"container {container}",
                )
            raise MediaError(
                "The file is a still image, not a video; upload an MP4 or MOV video.",
                detail=f"container {container}",
            )
        width = int(video.get("width") or 0)
        height = int(video.get("height") or 0)
        if width <= 0 or height <= 0:
            raise MediaError(
                "The video's picture size can't be read; the file may be damaged.",
                detail=json.dumps(video)[:1000],
            )

        real_rate = _fraction(video.get("r_frame_rate"))
        average_rate = _fraction(video.get("avg_frame_rate"))
        frame_rate = average_rate or real_rate
        if frame_rate is None:
            raise MediaError(
                "The video's frame rate can't be read; the file may be damaged.",
                detail=f"r_frame_rate={video.get('r_frame_rate')} "
                f"avg_frame_rate={video.get('avg_frame_rate')}",
            )
        variable = bool(
            real_rate and average_rate
            and abs(float(real_rate) - float(average_rate)) > _VFR_TOLERANCE * float(real_rate)
        )
        # Keep the rate exact for common fractional rates (30000/1001) but bound absurd ones.
        frame_rate = frame_rate.limit_denominator(1001)

        duration = _float(video.get("duration")) or _float(fmt.get("duration"))
        if not duration:
            raise MediaError(
                "The video's length can't be read; the file may be damaged or truncated.",
                detail=f"format duration {fmt.get('duration')}",
            )
        frames_in_container = video.get("nb_frames")
        if frames_in_container and str(frames_in_container).isdigit() and not variable:
            frame_count = int(frames_in_container)
        else:
            frame_count = int(round(duration * float(frame_rate)))

        audio = tuple(
            AudioStreamInfo(
                codec=str(s.get("codec_name") or "unknown"),
                channels=int(s.get("channels") or 0),
                sample_rate=int(s.get("sample_rate") or 0),
            )
            for s in streams
            if s.get("codec_type") == "audio"
        )
        return MediaInfo(
            path=path,
            container=container,
            video_codec=str(video.get("codec_name") or "unknown"),
            pixel_format=str(video.get("pix_fmt") or "unknown"),
            coded_width=width,
            coded_height=height,
            rotation=_rotation(video),
            frame_rate=frame_rate,
            is_variable_frame_rate=variable,
            duration_seconds=duration,
            frame_count=frame_count,
            audio_streams=audio,
        )


def _missing_packets_allowed(expected: int) -> int:
    # The container's own count is exact; an estimate from duration x rate is not (rounding, edit
    # lists), so a frame or 1% short still counts as whole.
    return max(1, expected // 100)


@dataclass(frozen=True)
class VideoLimits:
    """The configured limits for uploaded videos (from settings)."""

    max_duration_seconds: float
    max_pixels: int  # width x height of one frame
    max_fps: float = 240.0


class VideoValidator:
    """Probes an upload and rejects it, with a sentence for the user, when it breaks a limit."""

    def __init__(self, limits: VideoLimits, probe: MediaProbe | None = None) -> None:
        self.limits = limits
        self.probe = probe or MediaProbe()

    def validate(self, path: str | Path) -> MediaInfo:
        info = self.probe.probe(path)
        limits = self.limits
        if info.duration_seconds > limits.max_duration_seconds:
            raise MediaError(
                f"The video is {info.duration_seconds:.1f} seconds long; the limit is "
                f"{limits.max_duration_seconds:g} seconds, so trim it and upload it again."
            )
        if info.pixel_count > limits.max_pixels:
            raise MediaError(
                f"The video is {info.width}x{info.height} pixels; the limit is "
                f"{limits.max_pixels:,} pixels per frame, so downscale it and upload it again."
            )
        if info.fps > limits.max_fps:
            raise MediaError(
                f"The video runs at {info.fps:.0f} frames per second; the limit is "
                f"{limits.max_fps:g}, so convert it to a lower frame rate."
            )
        self._check_complete(info)  # last: it reads the whole file
        return info

    def _check_complete(self, info: MediaInfo) -> None:
        """A file cut off after its index (an MP4 with moov at the front) probes as whole; count
        the packets actually there before anything is charged for it."""
        packets, cut_off = self.probe.video_packet_count(info.path)
        if cut_off or packets < info.frame_count - _missing_packets_allowed(info.frame_count):
            raise MediaError(
                f"The video file is incomplete: it holds {packets} of its {info.frame_count} frames (it may "
                "have been cut off during upload); upload the whole file again.",
                detail=f"read {packets} video packets, index says {info.frame_count}, partial={cut_off}",
            )
