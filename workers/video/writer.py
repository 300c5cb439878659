"""Encode BGR numpy frames to an H.264 MP4 through an ffmpeg pipe, on its own thread."""
from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import numpy as np

from workers.concurrency import ConsumerThread
from workers.errors import MediaError
from workers.video.probe import MediaInfo
from workers.video.reader import StderrCollector, ffmpeg_spawn
from workers.video.sandbox import input_arguments

PROVENANCE_TEXT = "AI-edited media: produced by an iSamurai-compatible self-hosted face-swap server"
# Audio codecs an MP4 can carry as they are; anything else is re-encoded to AAC.
_MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "alac", "ac3", "eac3"})


def audio_arguments(audio_source: MediaInfo | None, audio_filter: str | None) -> list[str]:
    """The output arguments for the audio of input 1 (``audio_source``): copied when an MP4 can
    hold its codec, re-encoded to AAC otherwise or when ``audio_filter`` is given; ``-an``
    without a source. One rule for a single run's writer and the join of a split job."""
    if audio_source is None:
        return ["-an"]
    arguments = ["-map", "1:a:0"]
    codec = audio_source.audio_streams[0].codec
    if audio_filter:
        arguments += ["-af", audio_filter, "-c:a", "aac", "-b:a", "160k"]
    elif codec in _MP4_AUDIO_CODECS:
        arguments += ["-c:a", "copy"]
    else:
        arguments += ["-c:a", "aac", "-b:a", "160k"]
    return arguments


class VideoFrameWriter:
    """Writes frames to ``path`` as H.264 yuv420p MP4 with faststart and a provenance tag.

    ``audio_source`` (usually the input video) gives the audio track: copied when the MP4
    container can hold its codec, re-encoded to AAC otherwise or when ``audio_filter`` (for
    example ``atempo=0.5``) is given. The file appears at ``path`` only when :meth:`close`
    succeeds; on failure or :meth:`abort` nothing is left behind.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        width: int,
        height: int,
        frame_rate: Fraction | float | str,
        audio_source: MediaInfo | None = None,
        audio_filter: str | None = None,
        crf: int = 20,
        preset: str = "veryfast",
        provenance: str = PROVENANCE_TEXT,
        queue_frames: int = 8,
        ffmpeg: str = "ffmpeg",
        frame_marker: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        if width % 2 or height % 2 or width <= 0 or height <= 0:
            raise ValueError(f"H.264 yuv420p needs even positive dimensions, got {width}x{height}")
        self.path = Path(path)
        self.width = width
        self.height = height
        self.frame_rate = Fraction(frame_rate).limit_denominator(1001) if not isinstance(
            frame_rate, Fraction) else frame_rate
        self.audio_source = audio_source if audio_source and audio_source.has_audio else None
        self.audio_filter = audio_filter
        self.crf = crf
        self.preset = preset
        self.provenance = provenance
        # Applied to every frame on the encode thread (label, watermark), beside the producer's work.
        self.frame_marker = frame_marker
        self.frames_written = 0
        self._ffmpeg = ffmpeg
        self._partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix or '.mp4'}")
        self._process: subprocess.Popen | None = None
        self._thread: ConsumerThread[np.ndarray] = ConsumerThread(
            self._encode, depth=queue_frames, name="video-encode")
        self._stderr: StderrCollector | None = None
        self._closed = False

    def _audio_arguments(self) -> list[str]:
        return audio_arguments(self.audio_source, self.audio_filter)

    def _command(self) -> list[str]:
        command = [
            self._ffmpeg, "-v", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{self.width}x{self.height}",
            "-framerate", str(self.frame_rate), "-i", "pipe:0",
        ]
        if self.audio_source is not None:
            # The user's file again, opened as the probe did (forced demuxer, file protocol only).
            command += input_arguments(self.audio_source.path, self.audio_source.demuxer)
        command += ["-map", "0:v:0"]
        command += self._audio_arguments()
        command += [
            "-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf),
            "-pix_fmt", "yuv420p", "-movflags", "+faststart",
            # Frames arrive upright, so the output carries no rotation of its own.
            "-metadata:s:v:0", "rotate=0",
            "-metadata", f"comment={self.provenance}",
            "-metadata", f"description={self.provenance}",
            "-f", "mp4", str(self._partial),
        ]
        return command

    def start(self) -> VideoFrameWriter:
        if self._process is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._process, self._stderr = ffmpeg_spawn(self._command(), writes_frames=True)
        self._thread.start()
        return self

    def _encode(self, frame: np.ndarray) -> None:
        """One frame into ffmpeg's pipe (runs on the writer's thread)."""
        assert self._process is not None and self._process.stdin is not None
        if self.frame_marker is not None:
            frame = np.ascontiguousarray(self.frame_marker(frame))
        self._process.stdin.write(memoryview(frame).cast("B"))

    def write(self, frame: np.ndarray) -> None:
        """Queue one ``height x width x 3`` BGR uint8 frame (blocks while the queue is full)."""
        if self._closed:
            raise RuntimeError("write() after close()")
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(
                f"frame must be uint8 of shape {(self.height, self.width, 3)}, "
                f"got {frame.dtype} {frame.shape}"
            )
        self.start()
        if self._thread.failure is not None:
            raise self._error()
        self._thread.put(np.ascontiguousarray(frame))
        self.frames_written += 1

    def _error(self) -> MediaError:
        detail = self._stderr.text() if self._stderr else ""
        return MediaError("The output video could not be encoded.",
                          detail=f"{self._thread.failure!r}\n{detail}")

    def close(self) -> Path:
        """Finish the file and move it into place; returns its path."""
        if self._closed:
            return self.path
        self._closed = True
        if self.frames_written == 0:
            self._discard()
            raise MediaError("No frames were produced, so no output video was written.")
        assert self._process is not None
        self._thread.finish()
        if self._process.stdin is not None:
            try:
                self._process.stdin.close()
            except BrokenPipeError:
                pass
        return_code = self._process.wait()
        if self._thread.failure is not None or return_code != 0:
            error = self._error()
            self._discard()
            raise error
        os.replace(self._partial, self.path)
        return self.path

    def _discard(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._partial.unlink(missing_ok=True)

    def abort(self) -> None:
        """Stop encoding and leave no file behind."""
        if self._closed and self._process is None:
            return
        self._closed = True
        if self._process is not None and self._process.poll() is None:
            self._process.kill()  # fails a pipe write the thread may be blocked in
        self._thread.abort(timeout=10)
        self._discard()

    def __enter__(self) -> VideoFrameWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._closed:
            self.close()
