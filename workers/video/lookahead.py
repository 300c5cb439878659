"""Runs a per-frame function a few frames ahead of the consumer, on its own thread."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

import numpy as np

_END = object()


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
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="frame-lookahead", daemon=True)
        self._started = False

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for frame in self._frames:
                if self._stop.is_set() or not self._put((frame, self._work(frame))):
                    return
        except BaseException as exc:  # handed over to the consumer
            self._failure = exc
        finally:
            self._put(_END)

    def __iter__(self) -> Iterator[tuple[np.ndarray, Any]]:
        if not self._started:
            self._started = True
            self._thread.start()
        while True:
            item = self._queue.get()
            if item is _END:
                break
            yield item
        if self._failure is not None:
            raise self._failure

    def close(self) -> None:
        self._stop.set()
        if self._started:
            self._thread.join(timeout=30)

    def __enter__(self) -> FrameLookahead:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
