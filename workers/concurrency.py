"""One worker thread on one bounded queue: the pattern under the video reader, the writer and the
frame lookahead.

:class:`ProducerThread` runs an iterator on its own thread and hands its items to the caller
(decoding, analysing ahead); :class:`ConsumerThread` takes the caller's items and works through
them on its own thread (encoding). Both keep memory flat with a bounded queue, hand an error
raised on the thread over to the caller, and stop cleanly: a stop request wakes a thread blocked
on the queue, and every thread is joined.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

Item = TypeVar("Item")

_END = object()
_POLL_SECONDS = 0.1  # how often a thread blocked on the queue looks at the stop flag


class _StoppableQueue:
    """A bounded queue whose blocking put/get give up once ``stop`` is set."""

    def __init__(self, depth: int) -> None:
        self.stop = threading.Event()
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, depth))

    def put(self, item: object) -> bool:
        """Blocks while the queue is full (back-pressure); False when stopped instead."""
        while not self.stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def size(self) -> int:
        return self._queue.qsize()

    def get(self) -> object:
        """The next item; ``_END`` once stopped."""
        while not self.stop.is_set():
            try:
                return self._queue.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
        return _END


class ProducerThread(Generic[Item]):
    """Iterates ``items()`` on a thread, ``depth`` items ahead of the caller.

    Iterate the producer to receive the items in order; an exception raised by ``items()`` is
    raised to the caller after the items produced before it. :meth:`stop` makes the thread give
    up at its next item (``stopping`` tells a long-running ``items()`` to end early).
    """

    def __init__(self, items: Callable[[], Iterable[Item]], *, depth: int, name: str) -> None:
        self._items = items
        self._queue = _StoppableQueue(depth)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.failure: BaseException | None = None

    @property
    def stopping(self) -> bool:
        return self._queue.stop.is_set()

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    @property
    def queued(self) -> int:
        """Items produced and not yet taken (at most ``depth``, plus the end marker)."""
        return self._queue.size()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> ProducerThread[Item]:
        if not self.started:
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for item in self._items():
                if not self._queue.put(item):
                    return
        except BaseException as exc:  # handed over to the caller
            self.failure = exc
        finally:
            self._queue.put(_END)

    def __iter__(self) -> Iterator[Item]:
        self.start()
        while (item := self._queue.get()) is not _END:
            yield item  # type: ignore[misc]
        if self.failure is not None:
            raise self.failure

    def stop(self) -> None:
        """Ask the thread to end (it does at its next item or queue wait); see :meth:`join`."""
        self._queue.stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self.started:
            self._thread.join(timeout)

    def close(self, timeout: float | None = None) -> None:
        self.stop()
        self.join(timeout)


class ConsumerThread(Generic[Item]):
    """Calls ``consume(item)`` on a thread for each item :meth:`put` by the caller, in order.

    After ``consume`` raises, the thread keeps taking (and dropping) items so the caller never
    blocks; the error is in ``failure`` for the caller to raise. :meth:`finish` waits for every
    queued item; :meth:`abort` drops them.
    """

    def __init__(self, consume: Callable[[Item], None], *, depth: int, name: str) -> None:
        self._consume = consume
        self._queue = _StoppableQueue(depth)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.failure: BaseException | None = None

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> ConsumerThread[Item]:
        if not self.started:
            self._thread.start()
        return self

    def _run(self) -> None:
        while (item := self._queue.get()) is not _END:
            if self.failure is not None:
                continue  # drained, so a caller blocked in put() wakes up and sees the failure
            try:
                self._consume(item)  # type: ignore[arg-type]
            except BaseException as exc:
                self.failure = exc

    def put(self, item: Item) -> None:
        """Queue one item (blocks while the queue is full)."""
        self.start()
        if not self._queue.put(item):
            raise RuntimeError(f"{self._thread.name}: put() after abort()")

    def finish(self) -> None:
        """Wait until every queued item is consumed; raises nothing (see ``failure``)."""
        if self.started:
            self._queue.put(_END)
            self._thread.join()

    def abort(self, timeout: float | None = None) -> None:
        """Drop the queued items and end the thread (its current ``consume`` call finishes)."""
        self._queue.stop.set()
        if self.started:
            self._thread.join(timeout)
