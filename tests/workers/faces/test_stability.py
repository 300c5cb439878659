"""Video stability: tracks, One-Euro smoothing and gap filling, on real keypoints (real SCRFD
on a real talking-head clip and on a steady pan over a real photo)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from workers.faces.analyser import FaceAnalyser
from workers.faces.stability import FaceStabiliser, OneEuroFilter
from workers.pipelines.faceswap import build_frame_swapper
from workers.video.reader import VideoFrameReader

from ..face_helpers import inner_box, mean_difference

FRAMES = 60


@pytest.fixture(scope="module")
def analyser(face_models) -> FaceAnalyser:
    return FaceAnalyser(face_models)


@pytest.fixture(scope="module")
def talking_head(analyser, talking_head_clip):
    """(frames, faces of each frame) of the first second and a half of a real talking head."""
    frames, faces = [], []
    with VideoFrameReader(talking_head_clip) as reader:
        for frame in reader:
            frames.append(frame)
            faces.append(analyser.analyse(frame, embed=False))
    assert all(len(found) == 1 for found in faces)
    return frames, faces


@pytest.fixture(scope="module")
def pan(analyser, read_image):
    """Real keypoints of a steady camera pan (3 px right, 1.5 px down per frame) over a photo."""
    photo = read_image("obama.jpg")
    faces = []
    for index in range(FRAMES):
        shift = np.float32([[1, 0, -3.0 * index], [0, 1, -1.5 * index]])
        faces.append(analyser.analyse(cv2.warpAffine(photo, shift, (600, 700)), embed=False))
    assert all(len(found) == 1 for found in faces)
    return faces


def _run(stabiliser: FaceStabiliser, faces_per_frame):
    out = []
    for index, faces in enumerate(faces_per_frame):
        selections = [(face, "source") for face in faces]
        out += [selected for _, selected in stabiliser.push(index, selections)]
    out += [selected for _, selected in stabiliser.flush()]
    return out


def _keypoints(selected_frames) -> np.ndarray:
    return np.array([frame[0][0].keypoints for frame in selected_frames], np.float64)


def _jitter(keypoints: np.ndarray) -> float:
    return float(np.abs(keypoints[2:] - 2 * keypoints[1:-1] + keypoints[:-2]).mean())


def test_one_euro_follows_steady_motion_within_a_frame():
    motion = OneEuroFilter()
    values = [motion(np.array([4.0 * t, 100.0]), 200.0) for t in range(40)]
    lag = (4.0 * 39 - values[-1][0]) / 4.0
    assert 0 <= lag <= 1.0
    still = OneEuroFilter()
    noise = np.random.default_rng(5).normal(0, 1.0, 200)
    smoothed = np.array([still(np.array([value]), 200.0)[0] for value in noise])
    assert smoothed[20:].std() < 0.5 * noise[20:].std()


def test_smoothing_halves_the_keypoint_jitter_of_a_talking_head(talking_head):
    _, faces = talking_head
    raw = _keypoints(_run(FaceStabiliser(smooth=False), faces))
    smoothed = _keypoints(_run(FaceStabiliser(), faces))
    assert len(smoothed) == len(faces)
    assert _jitter(smoothed) <= 0.5 * _jitter(raw)
    # Smoothing moves points by a fraction of the face, never off it.
    width = faces[0][0].width
    assert np.abs(smoothed - raw).max() < 0.1 * width


def test_smoothing_trails_a_steady_pan_by_at_most_a_frame(pan):
    raw = _keypoints(_run(FaceStabiliser(smooth=False), pan))
    smoothed = _keypoints(_run(FaceStabiliser(), pan))
    velocity = np.median(np.diff(raw, axis=0), axis=0).ravel()
    lag = float(((raw - smoothed)[10:].reshape(len(raw) - 10, -1) @ velocity).mean() / (velocity @ velocity))
    assert 0 <= lag <= 1.0
    assert _jitter(smoothed) < 0.6 * _jitter(raw)


def test_a_person_missed_for_a_few_frames_is_filled_from_interpolated_keypoints(talking_head):
    _, faces = talking_head
    missing = {20, 21, 22}
    holed = [[] if index in missing else found for index, found in enumerate(faces)]
    filled = _run(FaceStabiliser(smooth=False), holed)
    assert [bool(frame) for frame in filled] == [True] * len(faces)
    width = faces[20][0].width
    for index in missing:
        error = np.abs(filled[index][0][0].keypoints - faces[index][0].keypoints).max()
        assert error < 0.06 * width  # the head barely moves in three frames
    # A gap longer than max_gap stays a gap: the person really left.
    long_hole = [[] if 20 <= index < 25 else found for index, found in enumerate(faces)]
    assert sum(not frame for frame in _run(FaceStabiliser(smooth=False, max_gap=3), long_hole)) == 5


def test_two_people_in_all_mode_keep_separate_tracks(analyser, read_image):
    photo = read_image("two_people.jpg")
    faces = analyser.analyse(photo, embed=False)
    assert len(faces) == 2
    frames = [faces, [faces[0]], faces]  # the second person is missed once
    filled = _run(FaceStabiliser(smooth=False), frames)
    assert [len(frame) for frame in filled] == [2, 2, 2]
    boxes = sorted(np.round(face.box).tolist() for face, _ in filled[1])
    assert boxes == sorted(np.round(face.box).tolist() for face in faces)


def test_video_stability_swaps_the_frames_where_the_face_was_not_found(face_models, talking_head,
                                                                      read_image):
    """The face is blacked out for two frames (a hand passing); with video_stability those
    frames are still swapped where the face was, and no frame is lost or reordered."""
    frames, faces = talking_head
    hidden = {30, 31}
    x1, y1, x2, y2 = faces[30][0].pixel_box(frames[30].shape)
    clip = []
    for index, frame in enumerate(frames[:50]):
        frame = frame.copy()
        if index in hidden:
            frame[y1:y2, x1:x2] = 0
        clip.append(frame)
    source = read_image("obama.jpg")
    results = {}
    for stability in (False, True):
        swapper = build_frame_swapper(face_models, sources=source, video_stability=stability)
        inputs = [frame.copy() for frame in clip]
        analysed = [(frame, swapper.analyse(frame)) for frame in inputs]
        assert all(not found for index, (_, found) in enumerate(analysed) if index in hidden)
        results[stability] = list(swapper.stream(analysed))
        assert len(results[stability]) == len(clip)
    area = inner_box(faces[30][0], clip[30].shape)
    for index in hidden:
        assert np.array_equal(results[False][index], clip[index])
        assert mean_difference(results[True][index], clip[index], area) > 5
    for index in (10, 40):
        assert mean_difference(results[True][index], clip[index], area) > 5
