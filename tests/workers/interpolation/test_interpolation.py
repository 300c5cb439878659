"""Frame interpolators and the scene-cut detector, on real clips and a rendered camera pan."""
from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.standin_models import write_standins
from workers.errors import ModelUnavailable
from workers.interpolation.base import CrossFadeInterpolator
from workers.interpolation.factory import build_interpolator, resolve_interpolator_name
from workers.interpolation.flow import FlowInterpolator
from workers.interpolation.rife import RifeInterpolator, scale_for
from workers.interpolation.scene_cut import SceneCutDetector
from workers.model_zoo.registry import ModelRegistry
from workers.video.reader import VideoFrameReader


def psnr(image: np.ndarray, truth: np.ndarray) -> float:
    error = np.mean((image.astype(np.float64) - truth.astype(np.float64)) ** 2)
    return 100.0 if error == 0 else 10.0 * math.log10(255.0 ** 2 / error)


def rebuild_dropped(frames: list[np.ndarray], interpolator) -> float:
    """Drop every other frame, rebuild each dropped one at t=0.5; mean PSNR against it."""
    scores = []
    for index in range(0, len(frames) - 2, 2):
        made = interpolator.interpolate(frames[index], frames[index + 2], [0.5])[0]
        scores.append(psnr(made, frames[index + 1]))
    return float(np.mean(scores))


def read_frames(path: Path, count: int, size: tuple[int, int] | None = None) -> list[np.ndarray]:
    frames = []
    with VideoFrameReader(path, output_size=size) as reader:
        for frame in reader:
            frames.append(frame)
            if len(frames) == count:
                break
    return frames


@pytest.fixture(scope="module")
def pan_frames(testdata: Path) -> list[np.ndarray]:
    """A 320x240 camera pan with a slow zoom across the Solvay photo, 7 px per frame."""
    photo = cv2.imread(str(testdata / "images" / "solvay_conference_1927.png"))
    assert photo is not None, "tests/data/images/solvay_conference_1927.png is missing or unreadable"
    photo = cv2.resize(photo, (1500, 1086), interpolation=cv2.INTER_AREA)
    frames = []
    for k in range(11):
        zoom = 0.5 * 1.005 ** k
        centre_x, centre_y = 600 + 7 * k / zoom, 500 + 2 * k / zoom
        matrix = np.array([[zoom, 0, 160 - zoom * centre_x], [0, zoom, 120 - zoom * centre_y]],
                          np.float32)
        frames.append(cv2.warpAffine(photo, matrix, (320, 240), flags=cv2.INTER_AREA))
    return frames


def test_crossfade_blends_linearly_and_checks_its_inputs():
    black = np.zeros((4, 6, 3), np.uint8)
    white = np.full((4, 6, 3), 200, np.uint8)
    quarter, half = CrossFadeInterpolator().interpolate(black, white, [0.25, 0.5])
    assert quarter.dtype == np.uint8 and quarter.shape == black.shape
    assert int(quarter[0, 0, 0]) == 50 and int(half[0, 0, 0]) == 100
    with pytest.raises(ValueError, match="between 0 and 1"):
        CrossFadeInterpolator().interpolate(black, white, [1.0])
    with pytest.raises(ValueError, match="one size"):
        CrossFadeInterpolator().interpolate(black, white[:2], [0.5])


def test_flow_beats_crossfade_on_a_camera_pan(pan_frames: list[np.ndarray]):
    crossfade = rebuild_dropped(pan_frames, CrossFadeInterpolator())
    flow = rebuild_dropped(pan_frames, FlowInterpolator())
    assert flow > crossfade + 10.0, (flow, crossfade)
    assert flow > 32.0


def test_flow_occlusion_handling_helps_at_the_picture_border(pan_frames: list[np.ndarray]):
    # Content entering/leaving the frame is where a plain warp smears replicated edges.
    plain = rebuild_dropped(pan_frames, FlowInterpolator(occlusion_aware=False, keep_static=False))
    full = rebuild_dropped(pan_frames, FlowInterpolator())
    assert full > plain + 1.0, (full, plain)


def test_flow_never_worse_than_crossfade_on_a_talking_head(videos_dir: Path):
    frames = read_frames(videos_dir / "liveportrait_d18.mp4", 21, size=(240, 240))
    crossfade = rebuild_dropped(frames, CrossFadeInterpolator())
    flow = rebuild_dropped(frames, FlowInterpolator())
    assert flow >= crossfade, (flow, crossfade)


def test_flow_makes_several_time_steps_in_order(pan_frames: list[np.ndarray]):
    first, last = pan_frames[0], pan_frames[4]
    made = FlowInterpolator().interpolate(first, last, [0.25, 0.5, 0.75])
    assert len(made) == 3
    for step, image in zip((1, 2, 3), made, strict=True):
        assert psnr(image, pan_frames[step]) > 28.0
        # Each step is nearer its own true frame than the neighbouring ones.
        assert psnr(image, pan_frames[step]) == max(psnr(image, frame) for frame in pan_frames[:5])


def test_scene_cuts_are_found_at_a_join_and_nowhere_else(videos_dir: Path):
    detector = SceneCutDetector()
    first = read_frames(videos_dir / "liveportrait_d18.mp4", 30, size=(240, 240))
    second = read_frames(videos_dir / "liveportrait_d19.mp4", 30, size=(240, 240))
    joined = first + second
    cuts = [index for index in range(len(joined) - 1)
            if detector.compare_frames(joined[index], joined[index + 1]).is_cut]
    assert cuts == [len(first) - 1]
    change = detector.compare_frames(first[3], first[3].copy())
    assert change.is_static and not change.is_cut and change.ssim == pytest.approx(1.0)


@pytest.fixture(scope="module")
def rife_registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    folder = tmp_path_factory.mktemp("rife_models")
    write_standins(folder, ["rife_4.9"])
    return ModelRegistry(folder, providers="cpu")


def test_rife_pads_to_its_multiple_and_feeds_the_time_step(rife_registry: ModelRegistry):
    rife = RifeInterpolator(rife_registry.session("rife_4.9"))
    rng = np.random.default_rng(3)
    first = rng.integers(0, 256, (70, 100, 3), dtype=np.uint8)  # neither side a multiple of 32
    second = rng.integers(0, 256, (70, 100, 3), dtype=np.uint8)
    made = rife.interpolate(first, second, [0.125, 0.5, 0.875])
    # The stand-in blends linearly, so the output must equal the cross-fade at each step.
    expected = CrossFadeInterpolator().interpolate(first, second, [0.125, 0.5, 0.875])
    for image, blend in zip(made, expected, strict=True):
        assert image.shape == first.shape and image.dtype == np.uint8
        assert np.abs(image.astype(int) - blend.astype(int)).max() <= 1
    assert rife.multiple(1.0) == 32 and rife.multiple(0.5) == 64
    assert rife._padded_size(70, 100, 1.0) == (96, 128)
    assert scale_for(1920, 1080) == 1.0 and scale_for(3840, 2160) == 0.5


def test_rife_refuses_a_model_of_another_signature(rife_registry: ModelRegistry):
    class Input:
        def __init__(self, name: str) -> None:
            self.name, self.shape, self.type = name, [1, 3, None, None], "tensor(float)"

    class OtherSession:
        def get_inputs(self):
            return [Input("input")]

    with pytest.raises(ValueError, match="img0, img1"):
        RifeInterpolator(OtherSession())


def test_auto_picks_rife_when_installed_and_flow_otherwise(rife_registry: ModelRegistry,
                                                           tmp_path: Path):
    empty = ModelRegistry(tmp_path, providers="cpu")
    assert resolve_interpolator_name("auto", rife_registry) == "rife"
    assert resolve_interpolator_name("auto", empty) == "flow"
    assert resolve_interpolator_name("auto", None) == "flow"
    assert build_interpolator("auto", rife_registry).name == "rife"
    assert build_interpolator("flow", rife_registry).name == "flow"
    with pytest.raises(ModelUnavailable):
        build_interpolator("rife", empty)
    with pytest.raises(ValueError):
        resolve_interpolator_name("magic", empty)


def test_flow_of_small_frames_is_coarser_only_where_motion_is_small(videos_dir: Path,
                                                                    pan_frames: list[np.ndarray]):
    # 480x480 talking head, little motion: the flow is estimated at 240 px (the cheap path),
    # and the result still never falls below the cross-fade.
    frames = read_frames(videos_dir / "liveportrait_d18.mp4", 9)
    assert frames[0].shape[:2] == (480, 480)
    interpolator = FlowInterpolator()
    forward, backward = interpolator.flows(frames[0], frames[2])
    assert forward.shape[:2] == backward.shape[:2] == (240, 240)
    assert (rebuild_dropped(frames, interpolator)
            >= rebuild_dropped(frames, CrossFadeInterpolator()))
    # A fast pan (about 28 px per pair at 640x480) is estimated again at a finer size.
    fast = [cv2.resize(frame, (640, 480), interpolation=cv2.INTER_LINEAR) for frame in pan_frames]
    forward, _ = interpolator.flows(fast[0], fast[2])
    assert forward.shape[:2] == (270, 360)
    assert FlowInterpolator(adaptive_small=False).flows(fast[0], fast[2])[0].shape[:2] == (360, 480)
