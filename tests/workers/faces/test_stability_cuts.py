"""The stabiliser ends its tracks at a hard cut, and only there: a clip made of two real talking
heads joined by a cut (liveportrait d18 then d19, the pair of test clips most alike across the
cut), real SCRFD keypoints. After the cut the faces are the new shot's own (nothing smoothed toward
the old shot, no gap filled across it); a hand over the face in the same shot is no cut and its
frames are still filled; and a split job's part that starts at the cut hands every frame the
whole run's face, with or without a warm-up."""
from __future__ import annotations

import itertools
import subprocess

import cv2
import numpy as np
import pytest

from workers.faces.analyser import Face, FaceAnalyser
from workers.faces.matching import AllFacesSelector
from workers.faces.shot_cut import changed_share, histogram_distance, is_hard_cut, shot_signature
from workers.faces.stability import DEFAULT_MAX_GAP, FaceStabiliser
from workers.pipelines.faceswap import SEGMENT_WARMUP_FRAMES
from workers.processors.frame_swapper import FrameSwapper
from workers.video.reader import VideoFrameReader

CUT = 30  # the first frame of the second shot
FRAMES = 60


@pytest.fixture(scope="module")
def two_shots(face_models, videos_dir, tmp_path_factory):
    """(frames, faces of each frame) of 1 s of d18 then 1 s of d19, decoded from one H.264 file."""
    path = tmp_path_factory.mktemp("stability_cuts") / "two_shots.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-t", "1", "-i", str(videos_dir / "liveportrait_d18.mp4"),
                    "-t", "1", "-i", str(videos_dir / "liveportrait_d19.mp4"), "-filter_complex",
                    "[0:v][1:v]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-r", "30", "-c:v", "libx264",
                    "-preset", "veryfast", "-an", str(path)], check=True)
    analyser = FaceAnalyser(face_models)
    with VideoFrameReader(path) as reader:
        frames = list(reader)
    assert len(frames) == FRAMES
    faces = [analyser.analyse(frame, embed=False) for frame in frames]
    assert all(len(found) == 1 for found in faces)
    return frames, faces


def test_on_every_test_clip_the_cut_test_fires_at_cuts_only(videos_dir):
    """The thresholds' measurements (workers/faces/shot_cut.py): every consecutive pair of the test
    clips' first 150 frames, a box and a hand-sized ellipse over the face, every ordered pair of clips
    joined as a cut (all at 480x480)."""
    clips = {}
    for path in sorted(videos_dir.glob("*.mp4")):
        with VideoFrameReader(path, output_size=(480, 480), frame_limit=150) as reader:
            clips[path.name] = [shot_signature(frame) for frame in reader]
        with VideoFrameReader(path, output_size=(480, 480), start_frame=40, frame_limit=1) as reader:
            [reader_frame] = list(reader)
        frame = reader_frame.copy()
        frame[150:380, 150:330] = 0
        covered = reader_frame.copy()
        cv2.ellipse(covered, (240, 300), (110, 140), 0, 0, 360, (120, 160, 210), -1)
        for occluded in (frame, covered):
            assert changed_share(clips[path.name][40], shot_signature(occluded)) < 0.4, path.name
            assert not is_hard_cut(clips[path.name][40], shot_signature(occluded)), path.name
    assert len(clips) == 5
    for name, signatures in clips.items():
        shares = [changed_share(a, b) for a, b in itertools.pairwise(signatures)]
        assert max(shares) < 0.25 and not any(map(is_hard_cut, signatures, signatures[1:])), name
    for first, second in ((a, b) for a in clips for b in clips if a != b):
        assert changed_share(clips[first][-1], clips[second][0]) >= 0.7, (first, second)
        assert is_hard_cut(clips[first][-1], clips[second][0]), (first, second)


def _hand(frame: np.ndarray, face: Face) -> np.ndarray:
    """``frame`` with a skin-coloured hand over most of ``face``."""
    covered = frame.copy()
    centre = (int(face.centre[0]), int(face.centre[1] + 0.15 * face.height))
    axes = (int(0.55 * face.width), int(0.6 * face.height))
    cv2.ellipse(covered, centre, axes, 0, 0, 360, (120, 160, 210), -1)
    return covered


def _run(stabiliser: FaceStabiliser, frames, faces_per_frame) -> list[list[tuple[Face, str]]]:
    out = []
    for frame, faces in zip(frames, faces_per_frame, strict=True):
        out += [selected for _, selected in stabiliser.push(frame, [(face, "source") for face in faces])]
    return out + [selected for _, selected in stabiliser.flush()]


def _points(selected: list[tuple[Face, str]]) -> np.ndarray:
    face = selected[0][0]
    return np.concatenate([np.asarray(face.keypoints, np.float64).ravel(), np.asarray(face.box, np.float64)])


def test_the_cut_test_sees_the_cut_and_not_a_hand_over_the_face(two_shots):
    frames, faces = two_shots
    signatures = [shot_signature(frame) for frame in frames]
    cuts = [index for index in range(1, FRAMES) if is_hard_cut(signatures[index - 1], signatures[index])]
    assert cuts == [CUT]
    # The hand moves the colours as much as the cut does; it changes only the part of the frame it covers.
    covered = shot_signature(_hand(frames[20], faces[20][0]))
    assert histogram_distance(signatures[19], covered) > 0.1
    assert changed_share(signatures[19], covered) < 0.4
    assert not is_hard_cut(signatures[19], covered)
    assert changed_share(signatures[CUT - 1], signatures[CUT]) > 0.6


def test_after_a_cut_the_faces_are_the_new_shots_own(two_shots):
    frames, faces = two_shots
    stabiliser = FaceStabiliser()
    joined = _run(stabiliser, frames, faces)
    assert stabiliser.cuts == [CUT]
    first_shot = _run(FaceStabiliser(), frames[:CUT], faces[:CUT])
    second_shot = _run(FaceStabiliser(), frames[CUT:], faces[CUT:])
    # Each shot is smoothed as if it were the whole video: the first frame after the cut is the
    # raw detection, the next ones follow the new shot only.
    assert np.array_equal(_points(joined[CUT]), np.concatenate([faces[CUT][0].keypoints.ravel(),
                                                                 faces[CUT][0].box]))
    for index in range(FRAMES):
        expected = first_shot[index] if index < CUT else second_shot[index - CUT]
        assert np.allclose(_points(joined[index]), _points(expected), atol=1e-9), index
    # Smoothing did something in both shots (not a pass-through).
    raw = np.array([np.concatenate([found[0].keypoints.ravel(), found[0].box]) for found in faces])
    smoothed = np.array([_points(selected) for selected in joined])
    assert np.abs(smoothed[CUT + 5:] - raw[CUT + 5:]).max() > 0.1
    assert np.abs(smoothed[5:CUT] - raw[5:CUT]).max() > 0.1


def test_no_gap_is_filled_across_a_cut_and_a_hand_in_one_shot_still_is(two_shots):
    frames, faces = two_shots
    frames = list(frames)
    across = {CUT - 2, CUT - 1, CUT}  # three frames: a gap max_gap fills inside one shot
    hidden = {10, 11, 12}
    for index in hidden:
        frames[index] = _hand(frames[index], faces[index][0])
    holed = [[] if index in across | hidden else found for index, found in enumerate(faces)]
    stabiliser = FaceStabiliser(smooth=False)
    out = _run(stabiliser, frames, holed)
    assert len(across) == DEFAULT_MAX_GAP
    assert stabiliser.cuts == [CUT]
    assert [index for index, selected in enumerate(out) if not selected] == sorted(across)
    width = faces[10][0].width
    for index in hidden:  # filled from the frames either side, near where the face was
        assert np.abs(out[index][0][0].keypoints - faces[index][0].keypoints).max() < 0.06 * width


def test_a_face_that_jumps_starts_a_new_track_without_frames(two_shots):
    """Faces only (no pictures to compare): a face a width and a half away is another shot's."""
    _, faces = two_shots
    shot = faces[:20]
    moved = [[Face(box=face.box + [1.5 * face.width, 0, 1.5 * face.width, 0], score=face.score,
                   keypoints=face.keypoints + [1.5 * face.width, 0])] for [face] in shot]
    sequence = shot[:10] + [[], []] + moved[12:]
    out = _run(FaceStabiliser(), range(len(sequence)), sequence)
    assert [bool(selected) for selected in out] == [True] * 10 + [False, False] + [True] * 8
    assert np.array_equal(out[12][0][0].keypoints, moved[12][0].keypoints)  # the filter starts over


class _Recorder:
    """A processor that notes the face (smoothed keypoints) each frame is swapped with."""

    name = "recorder"

    def __init__(self) -> None:
        self.keypoints: list[np.ndarray] = []

    def process(self, frame, target) -> None:
        self.keypoints.append(np.asarray(target.face.keypoints, np.float64))


def _part_keypoints(two_shots, first: int, last: int, keep: range | None) -> np.ndarray:
    frames, faces = two_shots
    recorder = _Recorder()
    swapper = FrameSwapper(None, AllFacesSelector(), {"source": np.zeros(512, np.float32)}, [recorder],
                           FaceStabiliser())
    analysed = list(zip(frames, faces, strict=True))[first:last]
    for _ in swapper.stream(analysed, keep):
        pass
    return np.array(recorder.keypoints)


def test_a_part_starting_at_the_cut_is_the_whole_run_with_or_without_warm_up(two_shots):
    whole = _part_keypoints(two_shots, 0, FRAMES, None)
    read_start = max(0, CUT - SEGMENT_WARMUP_FRAMES)
    warmed = _part_keypoints(two_shots, read_start, FRAMES, range(CUT - read_start, FRAMES - read_start))
    bare = _part_keypoints(two_shots, CUT, FRAMES, None)
    assert warmed.shape == bare.shape == (FRAMES - CUT, 5, 2)
    assert np.array_equal(warmed, whole[CUT:])
    assert np.array_equal(bare, whole[CUT:])  # the cut restarts the tracks: no overlap needed
    # The part before the border, with its look-ahead over the cut, ends as the whole run does.
    head = _part_keypoints(two_shots, 0, CUT + DEFAULT_MAX_GAP + 1, range(0, CUT))
    assert np.array_equal(head, whole[:CUT])
