"""Stream decoded frames out of ffmpeg as BGR numpy arrays, a few at a time."""
from __future__ import annotations

import math
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import numpy as np

from workers.concurrency import ProducerThread
from workers.errors import MediaError
from workers.video.probe import MediaInfo, MediaProbe
from workers.video.sandbox import CODEC_LIMITS, input_arguments, limited_command, limits_preexec, tool_environment

# Fewer frames than this share of the container's count, with decoder errors, means damage.
_COMPLETE_FRACTION = 0.95


class StderrCollector:
    """Drains a process's stderr on a thread (so ffmpeg never blocks on it), keeping the tail."""

    def __init__(self, stream, max_lines: int = 40) -> None:
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            self._lines.append(raw.decode("utf-8", "replace").rstrip())
        stream.close()

    def text(self) -> str:
        self._thread.join(timeout=5)
        return "\n".join(self._lines)


def ffmpeg_spawn(command: list[str], *, writes_frames: bool) -> tuple[subprocess.Popen, StderrCollector]:
    """Start ffmpeg with raw frames on one pipe (stdout when it decodes, stdin when it encodes)
    and its stderr drained on a thread; a missing ffmpeg is a MediaError for the user. It runs
    with a minimal environment and a memory limit (``workers.video.sandbox``)."""
    try:
        if shutil.which(command[0]) is None:  # prlimit would start, then fail to run it
            raise FileNotFoundError(command[0])
        process = subprocess.Popen(
            limited_command(command, CODEC_LIMITS),
            stdin=subprocess.PIPE if writes_frames else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if writes_frames else subprocess.PIPE,
            stderr=subprocess.PIPE, bufsize=0, env=tool_environment(), preexec_fn=limits_preexec(CODEC_LIMITS),
        )
    except OSError as exc:
        role = "encoder" if writes_frames else "decoder"
        raise MediaError(f"The video {role} is not available on this server.", detail=str(exc)) from exc
    return process, StderrCollector(process.stderr)


class VideoFrameReader:
    """Decodes a video on its own thread into a bounded queue of BGR ``uint8`` frames.

    Frames come out upright (ffmpeg applies the rotation metadata) and, when ``output_size``
    is given, scaled to it; with ``sample_fps``, only that many frames a second (ffmpeg's
    ``fps`` filter). Memory use is bounded by ``queue_frames`` whatever the video's length.
    ffmpeg stops after the frames the probe counted (what was charged), whatever else the file
    holds, and opens it with the probe's forced demuxer.
    Use as a context manager and iterate::

        with VideoFrameReader(path, output_size=(1280, 720)) as reader:
            for frame in reader:
                ...
    """

    def __init__(
        self,
        path: str | Path,
        *,
        info: MediaInfo | None = None,
        output_size: tuple[int, int] | None = None,
        sample_fps: float | None = None,
        queue_frames: int = 8,
        ffmpeg: str = "ffmpeg",
        probe: MediaProbe | None = None,
        start_frame: int = 0,
        frame_limit: int | None = None,
    ) -> None:
        self.path = Path(path)
        # A part of the video (a segment of a split job): frames [start_frame, start_frame + frame_limit).
        self.start_frame, self.frame_limit = start_frame, frame_limit
        self.info = info or (probe or MediaProbe()).probe(self.path)
        self.width, self.height = output_size or (self.info.width, self.info.height)
        self.sample_fps = sample_fps
        self.frame_rate = sample_fps or self.info.frame_rate
        self.frames_read = 0
        self._ffmpeg = ffmpeg
        self._process: subprocess.Popen | None = None
        self._stderr: StderrCollector | None = None
        self._thread: ProducerThread[np.ndarray] = ProducerThread(
            self._decode, depth=queue_frames, name="video-decode")

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the frames this reader yields."""
        return self.width, self.height

    @property
    def queued_frames(self) -> int:
        """Frames decoded and waiting to be taken (bounded by ``queue_frames``)."""
        return self._thread.queued

    @property
    def expected_frames(self) -> int:
        """The frames this reader yields from a whole file: the counted ones, or with
        ``sample_fps`` one per 1/sample_fps of the counted length (and the first)."""
        if self.sample_fps:
            return math.floor(self.info.duration_seconds * self.sample_fps) + 1
        if self.frame_limit is not None:
            return max(0, min(self.frame_limit, self.info.frame_count - self.start_frame))
        return self.info.frame_count

    def _command(self) -> list[str]:
        command = [self._ffmpeg, "-v", "error", "-nostdin"]
        if self.start_frame:
            # Input seeking: ffmpeg jumps to the keyframe before and decodes up to the first frame
            # at or after this time; half a frame early, so rounding never skips the one we want.
            seconds = self.info.video_start_seconds + (self.start_frame - 0.5) / float(self.frame_rate)
            command += ["-ss", f"{seconds:.6f}"]
        command += [*input_arguments(self.path, self.info.demuxer), "-map", "0:v:0"]
        filters = [f"fps={self.sample_fps}"] if self.sample_fps else []
        if (self.width, self.height) != (self.info.width, self.info.height):
            filters.append(f"scale={self.width}:{self.height}:flags=bicubic")
        filters.append("setsar=1")
        command += ["-vf", ",".join(filters)]
        if self.info.is_variable_frame_rate and not self.sample_fps:
            # Resample variable frame rate to a constant one so frame index <-> time is simple.
            command += ["-fps_mode", "cfr", "-r", str(self.frame_rate)]
        else:
            command += ["-fps_mode", "passthrough"]
        # Never past what was counted and charged: a container that hid frames gets no more decoded.
        command += ["-frames:v", str(max(1, self.expected_frames))]
        command += ["-an", "-sn", "-dn", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]
        return command

    def start(self) -> VideoFrameReader:
        if self._process is not None:
            return self
        self._process, self._stderr = ffmpeg_spawn(self._command(), writes_frames=False)
        self._thread.start()
        return self

    def _read_exact(self, stream, size: int) -> bytearray | None:
        buffer = bytearray(size)
        view = memoryview(buffer)
        filled = 0
        while filled < size:
            count = stream.readinto(view[filled:])
            if not count:
                break
            filled += count
        if filled == 0:
            return None
        if filled < size:
            raise MediaError(
                "The video ended in the middle of a frame; the file may be truncated.",
                detail=f"got {filled} of {size} bytes",
            )
        return buffer  # a bytearray, so the frames built on it are writable

    def _decode(self) -> Iterator[np.ndarray]:
        """The frames out of ffmpeg's pipe (runs on the reader's thread)."""
        assert self._process is not None and self._process.stdout is not None
        frame_bytes = self.width * self.height * 3
        while not self._thread.stopping:
            chunk = self._read_exact(self._process.stdout, frame_bytes)
            if chunk is None:
                break
            yield np.frombuffer(chunk, dtype=np.uint8).reshape(self.height, self.width, 3)
        return_code = self._process.wait()
        if return_code != 0 and not self._thread.stopping:
            raise MediaError(
                "The video could not be decoded; the file may be damaged or truncated.",
                detail=self._stderr.text() if self._stderr else "",
            )

    def __iter__(self) -> Iterator[np.ndarray]:
        self.start()
        for frame in self._thread:
            self.frames_read += 1
            yield frame
        stderr = self._stderr.text() if self._stderr else ""
        expected = self.expected_frames
        if stderr and self.frames_read < _COMPLETE_FRACTION * expected:
            # ffmpeg may exit 0 on a cut-off file after decoding what it could. With sample_fps the
            # yardstick is the sampled count, never the whole clip's.
            raise MediaError(
                f"The video ends after {self.frames_read} of {expected} frames; "
                "the file is damaged or was cut off, so upload it again.",
                detail=stderr,
            )
        if self.frames_read == 0:
            raise MediaError(
                "The video has no frames we can decode; the file may be damaged.",
                detail=self._stderr.text() if self._stderr else "",
            )

    def close(self) -> None:
        self._thread.stop()
        if self._process is not None and self._process.poll() is None:
            self._process.kill()  # wakes the thread if it is blocked reading the pipe
        self._thread.join(timeout=10)
        if self._process is not None:
            self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()

    def __enter__(self) -> VideoFrameReader:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
