"""Face tracks and smoothing carry over a split job's borders: a part that decodes its warm-up
frames (the face swap's SEGMENT_WARMUP_FRAMES) and looks ahead (max_gap + 1) hands each kept frame
the face the whole run hands it, to a fraction of a pixel (real SCRFD keypoints of a talking head)."""
from __future__ import annotations

import numpy as np
import pytest

from workers.faces.analyser import FaceAnalyser
from workers.faces.matching import AllFacesSelector
from workers.faces.stability import DEFAULT_MAX_GAP, FaceStabiliser
from workers.pipelines.faceswap import SEGMENT_WARMUP_FRAMES
from workers.processors.frame_swapper import FrameSwapper
from workers.video.reader import VideoFrameReader

START, END = 60, 120  # the part's kept frames


class _Recorder:
    """A processor that notes the face (smoothed keypoints) each frame is swapped with."""

    name = "recorder"

    def __init__(self) -> None:
        self.keypoints: list[np.ndarray] = []

    def process(self, frame, target) -> None:
        self.keypoints.append(np.asarray(target.face.keypoints, np.float64))


@pytest.fixture(scope="module")
def analysed(face_models, videos_dir):
    analyser = FaceAnalyser(face_models)
    with VideoFrameReader(videos_dir / "liveportrait_d18.mp4", frame_limit=END + 10) as reader:
        frames = list(reader)
    return [(frame, analyser.analyse(frame, embed=False)) for frame in frames]


def _keypoints(analysed, first: int, last: int, keep: range | None) -> np.ndarray:
    recorder = _Recorder()
    swapper = FrameSwapper(None, AllFacesSelector(), {"source": np.zeros(512, np.float32)}, [recorder],
                           FaceStabiliser())
    for _ in swapper.stream(analysed[first:last], keep):
        pass
    return np.array(recorder.keypoints)


def test_a_part_with_its_overlap_hands_its_frames_the_whole_runs_faces(analysed):
    whole = _keypoints(analysed, 0, len(analysed), None)[START:END]
    read_start, read_end = START - SEGMENT_WARMUP_FRAMES, END + DEFAULT_MAX_GAP + 1
    part = _keypoints(analysed, read_start, read_end, range(START - read_start, END - read_start))
    assert part.shape == whole.shape == (END - START, 5, 2)
    error = np.abs(part - whole).max(axis=(1, 2))
    assert error.max() < 0.01, error  # pixels, on a 480 px frame (measured: 4e-5; 1.4 px without the overlap)
    assert error[-1] < 1e-6  # the look-ahead makes the last kept frame the whole run's exactly

    # Without the overlap the smoothing starts over at the border: visibly off there.
    bare = _keypoints(analysed, START, END, None)
    assert np.abs(bare - whole).max() > error.max()
