"""The bounded-queue worker threads under the video reader, writer and frame lookahead: order,
back-pressure, errors handed to the caller, and clean stops with no thread left behind."""
import threading
import time

import numpy as np
import pytest

from workers.concurrency import ConsumerThread, ProducerThread
from workers.video.lookahead import FrameLookahead
from workers.video.probe import MediaProbe
from workers.video.reader import VideoFrameReader
from workers.video.writer import VideoFrameWriter


def _alive(prefix: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith(prefix)]


def test_producer_hands_items_in_order_and_stays_bounded():
    made: list[int] = []

    def items():
        for number in range(50):
            made.append(number)
            yield number

    producer = ProducerThread(items, depth=3, name="test-producer-order")
    iterator = iter(producer)
    assert next(iterator) == 0
    time.sleep(0.3)  # plenty of time to run ahead, if the queue let it
    assert len(made) <= 1 + 3 + 1  # the one taken, a full queue, one waiting to be put
    assert [0, *iterator] == list(range(50))
    producer.join(timeout=5)
    assert not producer.is_alive()


def test_producer_error_reaches_the_caller_after_the_items_before_it():
    def items():
        yield "a"
        yield "b"
        raise ValueError("broken input")

    received = []
    with pytest.raises(ValueError, match="broken input"):
        for item in ProducerThread(items, depth=1, name="test-producer-error"):
            received.append(item)
    assert received == ["a", "b"]


def test_stopping_a_blocked_producer_ends_its_thread():
    producer = ProducerThread(lambda: iter(range(10**9)), depth=2, name="test-producer-stop")
    iterator = iter(producer)
    assert next(iterator) == 0
    producer.close(timeout=5)
    assert not producer.is_alive()


def test_consumer_works_in_order_and_finish_waits_for_all():
    done: list[int] = []
    consumer = ConsumerThread(done.append, depth=2, name="test-consumer-order")
    for number in range(100):
        consumer.put(number)
    consumer.finish()
    assert done == list(range(100)) and consumer.failure is None and not consumer.is_alive()


def test_consumer_failure_never_blocks_the_caller():
    def consume(number: int) -> None:
        if number == 3:
            raise OSError("pipe closed")

    consumer = ConsumerThread(consume, depth=1, name="test-consumer-failure")
    for number in range(200):  # far more than the queue holds: the thread drains after failing
        consumer.put(number)
    consumer.finish()
    assert isinstance(consumer.failure, OSError) and not consumer.is_alive()


def test_consumer_abort_drops_the_rest():
    release = threading.Event()
    done: list[int] = []

    def consume(number: int) -> None:
        release.wait(5)
        done.append(number)

    consumer = ConsumerThread(consume, depth=4, name="test-consumer-abort")
    for number in range(4):
        consumer.put(number)
    release.set()
    consumer.abort(timeout=5)
    assert not consumer.is_alive() and len(done) < 4
    with pytest.raises(RuntimeError):
        consumer.put(5)


def test_reader_lookahead_and_writer_leave_no_thread_when_stopped_midway(talking_head_clip, tmp_path):
    info = MediaProbe().probe(talking_head_clip)
    output = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError, match="stop here"):
        with VideoFrameReader(talking_head_clip, info=info, queue_frames=2) as reader, \
                VideoFrameWriter(output, width=reader.width, height=reader.height,
                                 frame_rate=info.frame_rate, queue_frames=2) as writer, \
                FrameLookahead(reader, lambda frame: float(frame.mean()), depth=2) as analysed:
            for index, (frame, mean) in enumerate(analysed):
                assert mean == pytest.approx(float(frame.mean()))
                writer.write(frame)
                if index == 5:
                    raise RuntimeError("stop here")
    assert not output.exists() and not list(tmp_path.iterdir())
    for name in ("video-decode", "video-encode", "frame-lookahead"):
        assert _alive(name) == [], name


def test_lookahead_passes_the_work_error_on(talking_head_clip):
    def work(frame: np.ndarray) -> None:
        raise ArithmeticError("analysis failed")

    with VideoFrameReader(talking_head_clip) as reader, FrameLookahead(reader, work) as analysed:
        with pytest.raises(ArithmeticError, match="analysis failed"):
            list(analysed)
    assert _alive("frame-lookahead") == [] and _alive("video-decode") == []
