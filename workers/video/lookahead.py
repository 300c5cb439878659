"""Runs a per-frame function a few frames ahead of the consumer, on its own thread."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

import numpy as np

from workers.concurrency import ProducerThread


class FrameLookahead:
    """Yields ``(frame, work(frame))`` in order while later frames are already being worked on.

    Used for face detection + embedding: ONNX Runtime releases the GIL, so detecting frame
    n+1 overlaps swapping frame n on the consumer's thread, while ffmpeg decodes and encodes
    in their own processes. The queue is bounded, so memory stays flat on long videos.
    Close it (or leave the ``with`` block) before closing the frame source.
    """

    def __init__(self, frames: Iterable[np.ndarray], work: Callable[[np.ndarray], Any],
                 *, depth: int = 4) -> None:
        self._frames = frames
        self._work = work
        self._thread: ProducerThread[tuple[np.ndarray, Any]] = ProducerThread(
            self._worked, depth=depth, name="frame-lookahead")

    def _worked(self) -> Iterator[tuple[np.ndarray, Any]]:
        for frame in self._frames:
            if self._thread.stopping:
                return
            yield frame, self._work(frame)

    def __iter__(self) -> Iterator[tuple[np.ndarray, Any]]:
        return iter(self._thread)

    def close(self) -> None:
        self._thread.close(timeout=30)

    def __enter__(self) -> FrameLookahead:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
