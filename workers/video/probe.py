"""Probe media files with ffprobe and check them against the server's limits."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from workers.errors import MediaError
from workers.video.sandbox import (
    DEMUXER_MOV,
    PROBE_LIMITS,
    VIDEO_CODECS,
    ToolLimits,
    input_arguments,
    limited_command,
    limits_preexec,
    sniff_demuxer,
    tool_environment,
)

# A frame-rate disagreement larger than this between r_frame_rate and avg_frame_rate means VFR.
_VFR_TOLERANCE = 0.01
# How far the frames counted in the video stream may run past the length the container claims
# (seconds, and a share of the claim) before the file is refused as lying about its length.
_LENGTH_SLACK_SECONDS = 1.0
_LENGTH_SLACK_SHARE = 0.05
ACCEPTED_VIDEO_FORMATS = "MP4, MOV, MKV or WebM"


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
    duration_seconds: float  # counted frames / rate when counted, else the container's claim
    frame_count: int  # video frames counted in the stream; else the container's index or duration x rate
    audio_streams: tuple[AudioStreamInfo, ...]
    demuxer: str = DEMUXER_MOV  # the accepted demuxer every later ffmpeg run is forced to
    claimed_duration_seconds: float = 0.0  # what the container says, for the logs and the lie check
    counted: bool = False  # frame_count and duration_seconds come from counting the stream's packets
    # How long after the file's start (its earliest stream) the video's first frame is shown: where
    # seeking to a frame by time starts counting (a phone's audio often starts a little earlier).
    video_start_seconds: float = 0.0

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


# Still-image signatures, to tell a photo uploaded where a video belongs from anything else.
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")


def _content_description(path: Path) -> str | None:
    """None when the bytes start like a still image; else what they look like, in words."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(_IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
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


@dataclass(frozen=True)
class PacketCount:
    """The video stream's packets as the demuxer reads them (nothing decoded)."""

    total: int  # every packet, the ones an edit list discards included
    shown: int  # the frames a decoder will output (packets not flagged discard)
    partial: bool  # the demuxer hit the end of a cut-off file


def _tag_seconds(stream: dict) -> float | None:
    """A Matroska stream's DURATION tag (HH:MM:SS.fraction) in seconds."""
    text = str((stream.get("tags") or {}).get("DURATION") or "")
    parts = text.split(":")
    if len(parts) != 3:
        return None
    try:
        return int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2])
    except ValueError:
        return None


class MediaProbe:
    """Runs ffprobe on a file and turns its JSON into a :class:`MediaInfo`.

    Only the containers of :mod:`workers.video.sandbox` are read (sniffed, then forced with
    ``-f``), in a child process with a minimal environment, CPU/memory limits and a timeout.
    By default the video stream's packets are counted too (demuxing only): the length, the
    price and the limits come from what is in the file, not from what its header claims.
    """

    def __init__(self, ffprobe: str = "ffprobe", timeout_seconds: float = 60.0,
                 limits: ToolLimits = PROBE_LIMITS) -> None:
        self.ffprobe = ffprobe
        self.timeout_seconds = timeout_seconds
        self.limits = limits

    def _tool(self, arguments: list[str], *, what: str) -> subprocess.CompletedProcess:
        if shutil.which(self.ffprobe) is None:
            raise MediaError("The video reader (ffprobe) is not available on this server.", detail=self.ffprobe)
        command = limited_command([self.ffprobe, "-v", "error", *arguments], self.limits)
        try:
            return subprocess.run(command, capture_output=True, timeout=self.timeout_seconds, check=False,
                                  env=tool_environment(), preexec_fn=limits_preexec(self.limits),
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:  # run() kills the child before raising
            raise MediaError(
                f"The video could not be read in time; upload a standard {ACCEPTED_VIDEO_FORMATS} file.",
                detail=f"ffprobe {what} timed out after {self.timeout_seconds}s",
            ) from exc

    def _demuxer(self, path: Path) -> str:
        """The accepted demuxer for the file's bytes; MediaError saying what it is otherwise."""
        demuxer = sniff_demuxer(path)
        if demuxer is not None:
            return demuxer
        content = _content_description(path)
        if content is None:
            raise MediaError(
                f"The file is a still image, not a video; upload an {ACCEPTED_VIDEO_FORMATS} video.",
                detail="image signature")
        if path.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"):
            raise MediaError(
                f"The file is named like an image ({path.suffix}) but holds {content}, "
                f"not an image or a video; upload an {ACCEPTED_VIDEO_FORMATS} video.",
                detail="no accepted signature")
        raise MediaError(
            f"The file is not a video we can read (it holds {content}); upload an "
            f"{ACCEPTED_VIDEO_FORMATS} video.",
            detail="no accepted container signature (MP4/MOV box or Matroska EBML)")

    def _run(self, path: Path, demuxer: str) -> dict:
        result = self._tool([*input_arguments(path, demuxer), "-print_format", "json",
                             "-show_format", "-show_streams"], what="probe")
        stderr = result.stderr.decode("utf-8", "replace")[-2000:]
        if result.returncode != 0 and "moov atom not found" in stderr:
            raise MediaError(
                "The video file is incomplete (it may have been cut off during upload); "
                "upload the whole file again.",
                detail=stderr,
            )
        if result.returncode != 0 and "not on whitelist" in stderr:
            codec = stderr.split("Codec (", 1)[-1].split(")", 1)[0] if "Codec (" in stderr else "unknown"
            raise MediaError(
                f"The video uses a codec this server does not read ({codec}); re-encode it to H.264 "
                "video with AAC audio and upload it again.",
                detail=stderr,
            )
        if result.returncode != 0:
            raise MediaError(
                f"The file is not a video we can read; upload an {ACCEPTED_VIDEO_FORMATS} video.",
                detail=stderr,
            )
        try:
            return json.loads(result.stdout or b"{}")
        except json.JSONDecodeError as exc:
            raise MediaError(
                f"The file is not a video we can read; upload an {ACCEPTED_VIDEO_FORMATS} video.",
                detail=stderr,
            ) from exc

    def packet_count(self, path: str | Path, demuxer: str | None = None) -> PacketCount:
        """Count the first video stream's packets (demuxing only, nothing is decoded: a fraction
        of a second even for long videos)."""
        path = Path(path)
        demuxer = demuxer or self._demuxer(path)
        result = self._tool([*input_arguments(path, demuxer), "-select_streams", "v:0",
                             "-show_entries", "packet=flags", "-of", "csv=p=0"], what="packet count")
        total = shown = 0
        for line in result.stdout.split(b"\n"):
            line = line.strip()
            if not line:
                continue
            total += 1
            shown += b"D" not in line
        stderr = result.stderr.decode("utf-8", "replace")
        return PacketCount(total=total, shown=shown, partial="partial file" in stderr)

    def video_packet_count(self, path: str | Path) -> tuple[int, bool]:
        """(video packets the demuxer reads, whether it hit the end of a cut-off file)."""
        count = self.packet_count(path)
        return count.total, count.partial

    def probe(self, path: str | Path, *, count_frames: bool = True) -> MediaInfo:
        """Describe the file's first video stream; MediaError when it isn't a usable video, or
        (``count_frames``) when its frames disagree with the length it claims."""
        path = Path(path)
        if not path.is_file():
            raise MediaError("The video file is missing; upload it again.", detail=str(path))
        demuxer = self._demuxer(path)
        data = self._run(path, demuxer)
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
        codec = str(video.get("codec_name") or "unknown")
        if codec not in VIDEO_CODECS:
            raise MediaError(
                f"The video is encoded with {codec}, which this server does not read; re-encode it to "
                "H.264 (for example: ffmpeg -i in.mov -c:v libx264 out.mp4) and upload it again.",
                detail=f"container {container}, codec {codec}",
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

        # The video's own claim (MP4: its track; Matroska: its DURATION tag), else the file's,
        # which also covers a longer audio track.
        video_claim = _float(video.get("duration")) or _tag_seconds(video)
        claimed = video_claim or _float(fmt.get("duration"))
        if not claimed:
            raise MediaError(
                "The video's length can't be read; the file may be damaged or truncated.",
                detail=f"format duration {fmt.get('duration')}",
            )
        frames_in_index = video.get("nb_frames")
        index_count = int(frames_in_index) if frames_in_index and str(frames_in_index).isdigit() else None
        if index_count is not None and not variable:
            frame_count = index_count
        else:
            frame_count = int(round(claimed * float(frame_rate)))
        duration = claimed

        if count_frames:
            packets = self.packet_count(path, demuxer)
            _check_complete(packets, index_count=index_count, video_claim=video_claim,
                            frame_rate=frame_rate)
            counted = packets.shown / float(frame_rate)
            if counted > claimed + max(_LENGTH_SLACK_SECONDS, _LENGTH_SLACK_SHARE * claimed):
                raise MediaError(
                    f"The video file says it is {claimed:.1f} seconds long but holds {counted:.1f} seconds of "
                    f"frames ({packets.shown} at {float(frame_rate):g} per second); re-encode it (for example: "
                    "ffmpeg -i in.mp4 out.mp4) and upload it again.",
                    detail=f"claimed {claimed}s, counted {packets.shown} video packets ({packets.total} in all)",
                )
            frame_count, duration = packets.shown, counted

        audio = tuple(
            AudioStreamInfo(
                codec=str(s.get("codec_name") or "unknown"),
                channels=int(s.get("channels") or 0),
                sample_rate=int(s.get("sample_rate") or 0),
            )
            for s in streams
            if s.get("codec_type") == "audio"
        )
        video_start = max(0.0, (_float(video.get("start_time")) or 0.0) - (_float(fmt.get("start_time")) or 0.0))
        return MediaInfo(
            path=path,
            container=container,
            video_codec=codec,
            pixel_format=str(video.get("pix_fmt") or "unknown"),
            coded_width=width,
            coded_height=height,
            rotation=_rotation(video),
            frame_rate=frame_rate,
            is_variable_frame_rate=variable,
            duration_seconds=duration,
            frame_count=frame_count,
            audio_streams=audio,
            demuxer=demuxer,
            claimed_duration_seconds=claimed,
            counted=count_frames,
            video_start_seconds=video_start,
        )


def _missing_packets_allowed(expected: int) -> int:
    # The container's own count is exact; an estimate from duration x rate is not (rounding, edit
    # lists), so a frame or 1% short still counts as whole.
    return max(1, expected // 100)


def _check_complete(packets: PacketCount, *, index_count: int | None, video_claim: float | None,
                    frame_rate: Fraction) -> None:
    """A file cut off after its index (an MP4 with moov at the front) probes as whole; the packets
    actually there say otherwise. Only the video's own claims count: a Matroska file's duration
    also covers a longer audio track, so it says nothing about how many frames must be there."""
    if index_count is not None:
        expected = index_count
        short = packets.total < expected - _missing_packets_allowed(expected)
    elif video_claim:
        expected = math.floor(video_claim * float(frame_rate))
        allowed = max(_missing_packets_allowed(expected), math.ceil(_LENGTH_SLACK_SECONDS * float(frame_rate)),
                      math.ceil(_LENGTH_SLACK_SHARE * expected))
        short = packets.total < expected - allowed
    else:
        expected, short = packets.total, False
    if packets.partial or short:
        raise MediaError(
            f"The video file is incomplete: it holds {packets.total} of its {expected} frames (it may "
            "have been cut off during upload); upload the whole file again.",
            detail=f"read {packets.total} video packets, the file says {expected}, partial={packets.partial}",
        )
    if packets.shown == 0:
        raise MediaError("The video has no frames we can decode; the file may be damaged.",
                         detail=f"{packets.total} packets, all discarded")


@dataclass(frozen=True)
class VideoLimits:
    """The configured limits for uploaded videos (from settings)."""

    max_duration_seconds: float
    max_pixels: int  # width x height of one frame
    max_fps: float = 240.0


class VideoValidator:
    """Probes an upload (counting its frames) and rejects it, with a sentence for the user, when
    it breaks a limit. The limits apply to the counted length, not the header's."""

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
        return info
