"""The per-frame processors (issue 15) on real photos with real SCRFD keypoints.

The swap is a round trip here: a stand-in with inswapper's signature whose output is exactly
its input crop (``build_round_trip_inswapper``), so whatever the result loses against the
photo is the processors' own cost; a variant adds a colour cast for the colour match.
"""
from __future__ import annotations

import shutil

import cv2
import numpy as np
import onnx
import pytest

from tests.standin_models import build_round_trip_inswapper, write_standins
from workers.errors import ModelUnavailable
from workers.faces.align import invert_affine
from workers.faces.analyser import FaceAnalyser
from workers.faces.color import to_lab
from workers.faces.masks import box_mask, mouth_region
from workers.faces.paste import edge_ramp
from workers.model_zoo.registry import ModelRegistry
from workers.pipelines.context import PipelineError
from workers.pipelines.faceswap import build_frame_swapper, swap_image
from workers.pipelines.options import faceswap_options
from workers.processors.face_swap import auto_size, boosted_aligner, pixel_shuffle, pixel_unshuffle

from ..face_helpers import box_mask as boxes_mask
from ..face_helpers import inner_box, mean_difference


def _models_dir(tmp_path_factory, testdata, name: str, cast=(0.0, 0.0, 0.0)):
    folder = tmp_path_factory.mktemp(name)
    write_standins(folder, names=["w600k_r50", "gfpgan_1.4", "xseg_1", "bisenet_resnet_34"])
    onnx.save(build_round_trip_inswapper(cast), str(folder / "inswapper_128.onnx"))
    shutil.copyfile(testdata / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    return folder


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory, testdata) -> ModelRegistry:
    return ModelRegistry(_models_dir(tmp_path_factory, testdata, "round_trip"), providers="cpu")


@pytest.fixture(scope="module")
def colour_cast(tmp_path_factory, testdata) -> ModelRegistry:
    """The round trip plus +0.08 red and -0.08 blue: the skin tone mismatch users complain of."""
    return ModelRegistry(_models_dir(tmp_path_factory, testdata, "cast", (0.08, 0.0, -0.08)),
                         providers="cpu")


@pytest.fixture(scope="module")
def analyser(round_trip) -> FaceAnalyser:
    return FaceAnalyser(round_trip)


def psnr(first: np.ndarray, second: np.ndarray) -> float:
    error = np.mean((first.astype(np.float64) - second.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0 ** 2 / max(error, 1e-12)))


def _swap(models, target, *, selection="all", **options):
    return swap_image(models, target=target, sources=target, face_selection=selection, **options)


# -- pixel boost ------------------------------------------------------------------------------------

def test_pixel_shuffle_is_the_inverse_of_unshuffle():
    crop = np.random.default_rng(3).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    parts = pixel_unshuffle(crop, 4)
    assert len(parts) == 16 and all(part.shape == (128, 128, 3) for part in parts)
    assert np.array_equal(parts[5], crop[1::4, 1::4])
    assert np.array_equal(pixel_shuffle(parts, 4), crop)


@pytest.mark.parametrize("name", ["obama.jpg", "biden.jpg"])
def test_pixel_boost_512_keeps_large_faces_6_db_sharper_and_touches_nothing_else(
        round_trip, analyser, read_image, name):
    target = read_image(name)
    faces = analyser.analyse(target, embed=False)
    assert faces and max(faces[0].width, faces[0].height) >= 256
    plain = _swap(round_trip, target, pixel_boost="128")
    boosted = _swap(round_trip, target, pixel_boost="512")
    for face in faces:
        x1, y1, x2, y2 = face.pixel_box(target.shape)
        box = (slice(y1, y2), slice(x1, x2))
        assert psnr(boosted[box], target[box]) >= psnr(plain[box], target[box]) + 6
    outside = ~boxes_mask(target.shape, faces)
    assert np.array_equal(boosted[outside], target[outside])


def test_auto_boost_follows_the_face_size(analyser, read_image):
    crowd = analyser.analyse(read_image("solvay_conference_1927.png"), embed=False)
    sizes = [auto_size(face.keypoints) for face in crowd]  # faces of ~80 px wide
    assert set(sizes) == {128, 256} and sizes.count(128) > sizes.count(256)
    close_up = analyser.analyse(read_image("biden2.jpg"), embed=False)[0]  # a ~650 px face
    assert auto_size(close_up.keypoints) == 512
    middle = analyser.analyse(read_image("two_people.jpg"), embed=False)
    assert all(128 < auto_size(face.keypoints) < 512 for face in middle)


def test_boosted_crop_keeps_the_keypoints_on_the_scaled_template(analyser, read_image):
    face = analyser.analyse(read_image("obama.jpg"), embed=False)[0]
    small, big = boosted_aligner(128).matrix(face.keypoints), boosted_aligner(512).matrix(face.keypoints)
    np.testing.assert_allclose(big, small * 4, rtol=1e-9, atol=1e-9)


# -- colour match -----------------------------------------------------------------------------------

def _lab_distance(first, second, area) -> float:
    return float(np.linalg.norm(to_lab(first[area]) - to_lab(second[area]), axis=-1).mean())


def test_color_match_takes_away_a_colour_cast(colour_cast, analyser, read_image):
    target = read_image("obama.jpg")
    face = analyser.analyse(target, embed=False)[0]
    area = inner_box(face, target.shape)
    # At 512 px the round trip itself costs < 1.1 LAB units, so what is left is the colour.
    cast = _swap(colour_cast, target, pixel_boost="512")
    matched = _swap(colour_cast, target, pixel_boost="512", color_match=True)
    assert _lab_distance(cast, target, area) > 8
    assert _lab_distance(matched, target, area) <= 3


# -- mouth mask -------------------------------------------------------------------------------------

def _mouth_core(face, shape) -> np.ndarray:
    """A disc in the middle of the mouth, a third of the corner distance across."""
    left, right = face.keypoints[3], face.keypoints[4]
    centre = (left + right) / 2
    radius = max(2, int(0.17 * np.hypot(*(right - left))))
    core = np.zeros(shape[:2], np.uint8)
    cv2.circle(core, (int(centre[0]), int(centre[1])), radius, 1, -1)
    return core.astype(bool)


def test_mouth_mask_keeps_the_targets_mouth(face_models, analyser, read_image):
    """With the colour-shifting stand-in swapper the swap visibly changes the mouth; the mouth
    mask gives the target's own pixels back there."""
    target, source = read_image("two_people.jpg"), read_image("obama.jpg")
    faces = analyser.analyse(target, embed=False)
    swapped = swap_image(face_models, target=target, sources=source, face_selection="all")
    kept = swap_image(face_models, target=target, sources=source, face_selection="all",
                      mouth_mask=True)
    for face in faces:
        mouth = _mouth_core(face, target.shape)
        assert mean_difference(swapped, target, mouth) > 5
        assert np.abs(kept[mouth].astype(int) - target[mouth]).max() <= 2
        # ...while the rest of the face is still swapped.
        assert mean_difference(kept, target, inner_box(face, target.shape, 0.3)) > 5


def test_mouth_region_covers_the_corners_and_fades_out(analyser, read_image):
    face = analyser.analyse(read_image("obama.jpg"), embed=False)[0]
    crop, matrix = boosted_aligner(256).crop(read_image("obama.jpg"), face.keypoints)
    points = face.keypoints @ matrix[:, :2].T + matrix[:, 2]
    region = mouth_region(256, points)
    centre = ((points[3] + points[4]) / 2).round().astype(int)
    assert region[centre[1], centre[0]] == 1.0
    eyes = ((points[0] + points[1]) / 2).round().astype(int)
    assert region[eyes[1], eyes[0]] == 0.0
    assert 0 < ((region > 0) & (region < 1)).sum()  # a feathered rim, not a hard edge


# -- face masks -------------------------------------------------------------------------------------

def test_box_mask_defaults_are_the_paste_mask_of_before():
    np.testing.assert_array_equal(box_mask(128), edge_ramp(128, 128, inset=0.08, fade=0.12))


def test_default_processing_is_the_plain_chain(round_trip, read_image):
    swapper = build_frame_swapper(round_trip, sources=read_image("obama.jpg"))
    assert swapper.processor_names == ["swap", "paste"]
    everything = build_frame_swapper(round_trip, sources=read_image("obama.jpg"), options=faceswap_options(
        enhance=True, color_match=True, mouth_mask=True, face_mask=("box", "occlusion", "region")))
    assert everything.processor_names == ["swap", "face_mask", "color_match", "mouth_mask", "paste", "enhance"]


@pytest.mark.parametrize("kind", ["occlusion", "region"])
def test_model_masks_limit_the_swap_to_where_they_allow(face_models_dir, tmp_path, analyser,
                                                        read_image, kind):
    """With the colour-shifting swapper, pixels the mask model (a stand-in) excludes keep the
    target's values; pixels it includes change."""
    folder = tmp_path / "models"
    shutil.copytree(face_models_dir, folder)
    write_standins(folder, names=["xseg_1", "bisenet_resnet_34"])
    models = ModelRegistry(folder, providers="cpu")
    target, source = read_image("obama.jpg"), read_image("biden.jpg")
    face = analyser.analyse(target, embed=False)[0]
    options = faceswap_options(face_mask=(kind,), face_mask_blur=0.0)
    result = swap_image(models, target=target, sources=source, options=options)
    swapper = build_frame_swapper(models, sources=source, options=options)
    masker = next(p for p in swapper.processors if p.name == "face_mask")
    crop, matrix = boosted_aligner(128).crop(target, face.keypoints)
    crop_mask = (masker.occluder if kind == "occlusion" else masker.parser).mask(crop, blur=0.0)
    assert 0.05 < crop_mask.mean() < 0.95  # the stand-in's mask has both values on this face
    x1, y1, x2, y2 = face.pixel_box(target.shape)
    back = invert_affine(matrix)
    back[:, 2] -= (x1, y1)
    frame_mask = cv2.warpAffine(crop_mask, back, (x2 - x1, y2 - y1), flags=cv2.INTER_NEAREST)
    excluded = cv2.erode((frame_mask == 0).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    included = cv2.erode((frame_mask == 1).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    region, original = result[y1:y2, x1:x2], target[y1:y2, x1:x2]
    assert np.abs(region[excluded].astype(int) - original[excluded]).max() <= 1
    assert mean_difference(region, original, included) > 5
    outside = ~boxes_mask(target.shape, [face])
    assert np.array_equal(result[outside], target[outside])


@pytest.mark.parametrize(("kind", "model"), [("occlusion", "xseg_1"), ("region", "bisenet_resnet_34")])
def test_a_missing_mask_model_is_named(face_models, read_image, kind, model):
    with pytest.raises(ModelUnavailable, match=model):
        build_frame_swapper(face_models, sources=read_image("obama.jpg"), face_mask=("box", kind))


def test_bad_option_values_name_the_field_and_the_choices():
    with pytest.raises(PipelineError, match="pixel_boost; use 128, 256, 384, 512 or auto"):
        faceswap_options(pixel_boost="1024")
    with pytest.raises(PipelineError, match="face_mask; use box, occlusion or region"):
        faceswap_options({"face_mask": "box,hands"})
    with pytest.raises(PipelineError, match="face_mask_padding"):
        faceswap_options(face_mask_padding=90)
