"""One long video over several workers: where to split it, and how to join the parts.

A segment keeps the input frames ``[start, end)`` but decodes ``[read_start, read_end)``: the
frames before ``start`` warm up what carries state from frame to frame (the face tracker, the
keypoint smoothing), the frames after ``end`` give what looks ahead (the stabiliser's gap
filling, the slow-motion pair that straddles the border); both are decoded and dropped, so the
kept frames come out as one worker's run makes them. Split points are the source's keyframes
nearest to every ``segment_seconds`` (seeking there decodes nothing twice), preferring one where
the shot changes (a cut) within the search window, so no smoothing has to carry across a border.

The parts are H.264 MP4s made by the same encoder settings; each starts with an IDR frame (a
closed GOP at its first kept frame), so they are joined by stream copy with ffmpeg's concat
demuxer. Each part's ``duration`` is written in the list (frames / rate, exactly) rather than
taken from the MP4 header, whose millisecond movie duration would shift every later frame by a
fraction of a tick; the audio comes from the source file, untouched (or with the same filter a
single run applies), so the joined file has one worker's frame count and timestamps.
"""
from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from workers.errors import MediaError
from workers.video.probe import MediaInfo
from workers.video.sandbox import (
    CODEC_LIMITS,
    PROBE_LIMITS,
    input_arguments,
    limited_command,
    limits_preexec,
    tool_environment,
)
from workers.video.writer import PROVENANCE_TEXT, audio_arguments

# A split point may move this share of a segment's length to reach a keyframe or a cut.
SEARCH_SHARE = 0.25
# At most this many keyframes near a split point are decoded to look for a cut.
MAX_CUT_CANDIDATES = 6


@dataclass(frozen=True)
class SegmentRange:
    """A part of a video job: keeps input frames ``[start, end)``, decodes ``[read_start, read_end)``.
    ``state`` is what every part needs from the whole video (e.g. the reference face), as JSON."""

    index: int
    start: int
    end: int
    read_start: int
    read_end: int
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        return self.end - self.start

    @property
    def warmup(self) -> int:
        """Decoded frames before the first kept one."""
        return self.start - self.read_start


@dataclass(frozen=True)
class SegmentPart:
    """A finished part: its file, the output frames it holds and its pipeline report."""

    path: Path
    frames: int
    report: dict[str, Any] = field(default_factory=dict)


def keyframe_indices(info: MediaInfo, *, ffprobe: str = "ffprobe") -> list[int]:
    """Display indices of the video stream's keyframes (demuxing only, nothing decoded)."""
    command = limited_command([ffprobe, "-v", "error", *input_arguments(info.path, info.demuxer),
                               "-select_streams", "v:0", "-show_entries", "packet=pts,flags",
                               "-of", "csv=p=0"], PROBE_LIMITS)
    result = subprocess.run(command, capture_output=True, timeout=120, check=False, env=tool_environment(),
                            preexec_fn=limits_preexec(PROBE_LIMITS), stdin=subprocess.DEVNULL)
    packets = []
    for line in result.stdout.decode("ascii", "replace").splitlines():
        pts, _, flags = line.partition(",")
        if pts.strip().lstrip("-").isdigit() and "D" not in flags:
            packets.append((int(pts), "K" in flags))
    order = sorted(packets)
    return [index for index, (_, key) in enumerate(order) if key]


def split_points(frame_count: int, frame_rate: Fraction, *, segment_seconds: float, keyframes: Sequence[int],
                 is_cut: Callable[[int], bool] | None = None, align: int = 1) -> list[int]:
    """Where segments start (the first, 0, left out): near every ``segment_seconds``, moved to a
    keyframe within the search window (a cut first, when ``is_cut(k)`` says frame k starts a new
    shot), else to the nearest multiple of ``align``; never closer than half a segment to another
    split or the end. With ``align`` > 1 (the watermark works its pattern out afresh every
    ``align`` frames) only multiples of it are taken, so each part's marks are one run's."""
    length = max(1, round(segment_seconds * float(frame_rate)))
    window = max(1, int(length * SEARCH_SHARE))
    align = max(1, align)
    keyframes = sorted(set(k for k in keyframes if 0 < k < frame_count and k % align == 0))
    points: list[int] = []
    target = length
    while target <= frame_count - length // 2:
        previous = points[-1] if points else 0
        near = sorted((k for k in keyframes if abs(k - target) <= window and k - previous >= length // 2
                       and frame_count - k >= length // 2), key=lambda k: abs(k - target))
        chosen = round(target / align) * align
        if chosen <= previous:  # a period longer than half a segment: the next multiple
            chosen = previous + align
        if near:
            cuts = [k for k in near[:MAX_CUT_CANDIDATES] if is_cut is not None and is_cut(k)]
            chosen = cuts[0] if cuts else near[0]
        if chosen >= frame_count:
            break
        points.append(chosen)
        target = chosen + length
    return points


def segment_ranges(frame_count: int, points: Sequence[int], *, warmup: int, lookahead: int,
                   state: dict[str, Any] | None = None) -> list[SegmentRange]:
    """The segments between split ``points``, each decoding ``warmup`` frames before its start
    and ``lookahead`` after its end (within the video)."""
    bounds = [0, *points, frame_count]
    return [SegmentRange(index=i, start=start, end=end, read_start=max(0, start - warmup),
                         read_end=min(frame_count, end + lookahead), state=dict(state or {}))
            for i, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False))]


def segments_join(parts: Sequence[SegmentPart], *, output: Path, frame_rate: Fraction,
                  audio_source: MediaInfo | None, audio_filter: str | None = None,
                  provenance: str = PROVENANCE_TEXT, ffmpeg: str = "ffmpeg") -> Path:
    """Concatenate the parts' video by stream copy and add the source's audio (copied, or
    filtered as a single run would); the file appears at ``output`` only when complete."""
    if not parts:
        raise MediaError("No part of the video was produced, so no output video was written.")
    output.parent.mkdir(parents=True, exist_ok=True)
    listing = output.with_name(f".{output.stem}.concat.txt")
    lines = ["ffconcat version 1.0"]
    for part in parts:
        # Exact to the microsecond: frames / rate, never the MP4 header's rounded duration.
        seconds = Fraction(part.frames) / frame_rate
        lines += [f"file 'file:{Path(part.path).resolve()}'", f"duration {float(seconds):.6f}"]
    listing.write_text("\n".join(lines) + "\n")
    partial = output.with_name(f".{output.stem}.partial{output.suffix or '.mp4'}")
    has_audio = audio_source is not None and audio_source.has_audio
    # The parts are our own encoder's MP4s; the list may name only files (no other protocol).
    command = [ffmpeg, "-v", "error", "-y", "-protocol_whitelist", "file", "-f", "concat", "-safe", "0",
               "-i", f"file:{listing.resolve()}"]
    if has_audio:
        command += input_arguments(audio_source.path, audio_source.demuxer)
    command += ["-map", "0:v:0", *audio_arguments(audio_source if has_audio else None, audio_filter),
                "-c:v", "copy", "-movflags", "+faststart", "-metadata:s:v:0", "rotate=0",
                "-metadata", f"comment={provenance}", "-metadata", f"description={provenance}",
                "-f", "mp4", str(partial)]
    try:
        result = subprocess.run(limited_command(command, CODEC_LIMITS), capture_output=True, check=False,
                                env=tool_environment(), preexec_fn=limits_preexec(CODEC_LIMITS),
                                stdin=subprocess.DEVNULL, timeout=3600)
        if result.returncode != 0:
            raise MediaError("The parts of the output video could not be joined.",
                             detail=result.stderr.decode("utf-8", "replace")[-2000:])
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
        listing.unlink(missing_ok=True)
    return output
