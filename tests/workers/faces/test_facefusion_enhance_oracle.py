"""Equivalence of the enhancers', upscaler's and colouriser's pre- and post-processing with the
reference implementation they are read from: FaceFusion, at commit
33cc6b40a4a538023e12893a0439ce5062e56e36 (github.com/facefusion/facefusion).

No package provides FaceFusion, so each ``ff_*`` function below is a line-by-line transcription of
the reference's steps (file and function named on each), run on the same photos and the same
stand-in sessions as our code, and compared numerically. Where we differ on purpose the bound
says by how much and why (rounding, an interpolation flag OpenCV treats as bilinear).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from tests.standin_models import build_codeformer, build_ddcolor, build_signed_enhancer, build_upscaler
from workers.faces.analyser import FaceAnalyser, largest
from workers.faces.codeformer import CodeFormerEnhancer
from workers.faces.enhancer import GfpganEnhancer, signed_blob, signed_output
from workers.faces.gpen import GpenEnhancer
from workers.faces.restoreformer import RestoreFormerEnhancer
from workers.imaging.colorizer import Colorizer, ddcolor_blob, merge_ab
from workers.imaging.upscaler import FrameUpscaler, rgb_blob, rgb_output

CPU = ["CPUExecutionProvider"]
PHOTOS = ("obama.jpg", "biden.jpg", "two_people.jpg")

# facefusion/face_helper.py, WARP_TEMPLATE_SET (points as fractions of the crop's side).
FF_TEMPLATES = {
    "ffhq_512": np.array([[0.37691676, 0.46864664], [0.62285697, 0.46912813], [0.50123859, 0.61331904],
                          [0.39308822, 0.72541100], [0.61150205, 0.72490465]]),
    "arcface_128": np.array([[0.36167656, 0.40387734], [0.63696719, 0.40235469], [0.50019687, 0.56044219],
                             [0.38710391, 0.72160547], [0.61507734, 0.72034453]]),
}
# facefusion/processors/modules/face_enhancer/core.py, create_static_model_set: template and size.
FF_ENHANCERS = {"codeformer": ("ffhq_512", 512), "gfpgan_1.4": ("ffhq_512", 512), "gpen_bfr_256": ("arcface_128", 256),
                "gpen_bfr_512": ("ffhq_512", 512), "gpen_bfr_1024": ("ffhq_512", 1024),
                "restoreformer_plus_plus": ("ffhq_512", 512)}


# -- the reference, transcribed ------------------------------------------------------------------

def ff_warp_face_by_face_landmark_5(frame, landmark_5, template, size):
    """face_helper.py: estimate_matrix_by_face_landmark_5 + warp_face_by_face_landmark_5."""
    template_norm = FF_TEMPLATES[template] * (size, size)
    matrix = cv2.estimateAffinePartial2D(landmark_5, template_norm, method=cv2.RANSAC, ransacReprojThreshold=100)[0]
    crop = cv2.warpAffine(frame, matrix, (size, size), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_AREA)
    return crop, matrix


def ff_prepare_crop_frame(crop):
    """face_enhancer/core.py: prepare_crop_frame."""
    crop = crop[:, :, ::-1] / 255.0
    crop = (crop - 0.5) / 0.5
    return np.expand_dims(crop.transpose(2, 0, 1), axis=0).astype(np.float32)


def ff_normalize_crop_frame(crop):
    """face_enhancer/core.py: normalize_crop_frame."""
    crop = np.clip(crop, -1, 1)
    crop = (crop + 1) / 2
    crop = crop.transpose(1, 2, 0)
    crop = (crop * 255.0).round()
    return crop.astype(np.uint8)[:, :, ::-1]


def ff_enhance_crop(session, frame, landmark_5, model, weight):
    """face_enhancer/core.py: enhance_face up to the paste (warp, prepare, forward, normalize)."""
    template, size = FF_ENHANCERS[model]
    crop, matrix = ff_warp_face_by_face_landmark_5(frame, landmark_5, template, size)
    inputs = {}
    for item in session.get_inputs():  # forward: 'input' and, when the model has it, 'weight'
        if item.name == "input":
            inputs[item.name] = ff_prepare_crop_frame(crop)
        if item.name == "weight":
            inputs[item.name] = np.array([weight]).astype(np.double)
    return ff_normalize_crop_frame(session.run(None, inputs)[0][0]), matrix


def ff_prepare_tile_frame(tile):
    """frame_enhancer/core.py: prepare_tile_frame."""
    tile = np.expand_dims(tile[:, :, ::-1], axis=0)
    tile = tile.transpose(0, 3, 1, 2)
    return tile.astype(np.float32) / 255.0


def ff_normalize_tile_frame(tile):
    """frame_enhancer/core.py: normalize_tile_frame."""
    tile = tile.transpose(0, 2, 3, 1).squeeze(0) * 255
    return tile.clip(0, 255).astype(np.uint8)[:, :, ::-1]


def ff_create_tile_frames(frame, size):
    """vision.py: create_tile_frames."""
    tile_width = size[0] - 2 * size[2]
    pad_size_top = size[1] + size[2]
    pad_size_bottom = pad_size_top + tile_width - (frame.shape[0] + 2 * size[1]) % tile_width
    pad_size_right = pad_size_top + tile_width - (frame.shape[1] + 2 * size[1]) % tile_width
    pad_frame = np.pad(frame, ((pad_size_top, pad_size_bottom), (pad_size_top, pad_size_right), (0, 0)))
    pad_height, pad_width = pad_frame.shape[:2]
    tiles = []
    for row in range(size[2], pad_height - size[2], tile_width):
        top, bottom = row - size[2], row + size[2] + tile_width
        for column in range(size[2], pad_width - size[2], tile_width):
            tiles.append(pad_frame[top:bottom, column - size[2]:column + size[2] + tile_width])
    return tiles, pad_width, pad_height


def ff_merge_tile_frames(tiles, temp_width, temp_height, pad_width, pad_height, size):
    """vision.py: merge_tile_frames."""
    merged = np.zeros((pad_height, pad_width, 3)).astype(np.uint8)
    tile_width = tiles[0].shape[1] - 2 * size[2]
    tiles_per_row = min(pad_width // tile_width, len(tiles))
    for index, tile in enumerate(tiles):
        tile = tile[size[2]:-size[2], size[2]:-size[2]]
        row_index, col_index = index // tiles_per_row, index % tiles_per_row
        top, left = row_index * tile.shape[0], col_index * tile.shape[1]
        merged[top:top + tile.shape[0], left:left + tile.shape[1], :] = tile
    return merged[size[1]:size[1] + temp_height, size[1]:size[1] + temp_width, :]


def ff_enhance_frame(session, frame, scale, size=(256, 16, 8)):
    """frame_enhancer/core.py: enhance_frame without the final blend (real_esrgan_x2/x4: size (256, 16, 8))."""
    height, width = frame.shape[:2]
    tiles, pad_width, pad_height = ff_create_tile_frames(frame, size)
    for index, tile in enumerate(tiles):
        tiles[index] = ff_normalize_tile_frame(session.run(None, {"input": ff_prepare_tile_frame(tile)})[0])
    return ff_merge_tile_frames(tiles, width * scale, height * scale, pad_width * scale, pad_height * scale,
                                (size[0] * scale, size[1] * scale, size[2] * scale))


def ff_prepare_temp_frame(frame, size=(256, 256)):
    """frame_colorizer/core.py: prepare_temp_frame, ddcolor type, frame_colorizer_size 256x256."""
    frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    frame = (frame / 255.0).astype(np.float32)
    frame = cv2.cvtColor(frame, cv2.COLOR_RGB2LAB)[:, :, :1]
    frame = np.concatenate((frame, np.zeros_like(frame), np.zeros_like(frame)), axis=-1)
    frame = cv2.cvtColor(frame, cv2.COLOR_LAB2RGB)
    frame = cv2.resize(frame, size)
    frame = frame.transpose((2, 0, 1))
    return np.expand_dims(frame, axis=0).astype(np.float32)


def ff_merge_color_frame(frame, color):
    """frame_colorizer/core.py: merge_color_frame, ddcolor type."""
    color = color.transpose(1, 2, 0)
    color = cv2.resize(color, (frame.shape[1], frame.shape[0]))
    frame = (frame / 255.0).astype(np.float32)
    frame = cv2.cvtColor(frame, cv2.COLOR_BGR2LAB)[:, :, :1]
    color = np.concatenate((frame, color), axis=-1)
    color = cv2.cvtColor(color, cv2.COLOR_LAB2BGR)
    return (color * 255.0).round().astype(np.uint8)


# -- fixtures ----------------------------------------------------------------------------------------

def _session(model, tmp_path: Path, name: str) -> ort.InferenceSession:
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(model.SerializeToString())
    return ort.InferenceSession(str(path), providers=CPU)


@pytest.fixture(scope="module")
def faces(face_models, images_dir):
    found = []
    for name in PHOTOS:
        image = cv2.imread(str(images_dir / name))
        found.append((image, largest(FaceAnalyser(face_models).analyse(image, embed=False))))
    return found


def _ours(model: str, session):
    return {"codeformer": lambda: CodeFormerEnhancer(session, fidelity=0.3),
            "gfpgan_1.4": lambda: GfpganEnhancer(session),
            "gpen_bfr_256": lambda: GpenEnhancer(session, size=256),
            "gpen_bfr_512": lambda: GpenEnhancer(session, size=512),
            "gpen_bfr_1024": lambda: GpenEnhancer(session, size=1024),
            "restoreformer_plus_plus": lambda: RestoreFormerEnhancer(session)}[model]()


def _standin(model: str):
    if model == "codeformer":
        return build_codeformer()
    return build_signed_enhancer(model, FF_ENHANCERS[model][1], seed=7)


# -- face enhancers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("model", sorted(FF_ENHANCERS))
def test_each_enhancer_crops_on_facefusions_template_and_size(model, tmp_path):
    session = _session(_standin(model), tmp_path, model)
    template, size = FF_ENHANCERS[model]
    aligner = _ours(model, session).aligner
    assert aligner.size == size
    np.testing.assert_allclose(aligner.template, FF_TEMPLATES[template] * size, atol=1e-3)


@pytest.mark.parametrize("model", sorted(FF_ENHANCERS))
def test_each_enhancer_restores_the_crop_the_reference_restores(model, faces, tmp_path):
    """Warp, normalise, run, denormalise: our restored crop against the reference's, on real faces
    (real SCRFD keypoints). The alignment: our Umeyama least squares against OpenCV's
    estimateAffinePartial2D (RANSAC with a 100 px threshold keeps every point, then refines the
    same least-squares objective), within 0.05 px on the template points; the warp: OpenCV's
    warpAffine treats INTER_AREA as bilinear, our flag. So the crops agree to rounding."""
    session = _session(_standin(model), tmp_path, model)
    ours = _ours(model, session)
    for image, face in faces:
        restored, matrix = ours.restore_crop(image, face)
        reference, reference_matrix = ff_enhance_crop(session, image, face.keypoints.astype(np.float32), model, 0.3)
        corners = np.array([[0, 0, 1], [ours.aligner.size, 0, 1], [0, ours.aligner.size, 1]], np.float64)
        assert np.abs(corners @ matrix.T - corners @ reference_matrix.T).max() < 0.05 * ours.aligner.size / 512 + 0.05
        difference = np.abs(restored.astype(int) - reference.astype(int))
        assert difference.mean() < 0.3 and np.percentile(difference, 99.9) <= 2, (model, difference.mean())


def test_codeformer_gets_its_fidelity_weight_as_the_reference_feeds_it(faces, tmp_path):
    """forward(): 'weight' is a float64 array of one element; the stand-in answers its input
    exactly at w = 1, so the weight demonstrably reached the graph."""
    session = _session(build_codeformer(), tmp_path, "codeformer")
    image, face = faces[0]
    enhancer = CodeFormerEnhancer(session, fidelity=0.7)
    feeds = enhancer.feeds(enhancer.aligner.crop(image, face.keypoints)[0])
    assert set(feeds) == {"input", "weight"}
    assert feeds["weight"].dtype == np.float64 and feeds["weight"].shape == (1,) and feeds["weight"][0] == 0.7
    faithful = CodeFormerEnhancer(session, fidelity=1.0)
    crop = faithful.aligner.crop(image, face.keypoints)[0]
    restored, _ = faithful.restore_crop(image, face)
    assert np.abs(restored.astype(int) - crop.astype(int)).max() <= 1  # w = 1: the crop, rounding only
    reworked, _ = CodeFormerEnhancer(session, fidelity=0.0).restore_crop(image, face)
    assert np.abs(reworked.astype(int) - crop.astype(int)).mean() > 1


def test_enhancer_normalisation_is_the_references():
    rng = np.random.default_rng(0)
    crop = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    np.testing.assert_allclose(signed_blob(crop), ff_prepare_crop_frame(crop), atol=1e-6)
    output = rng.uniform(-1.2, 1.2, (3, 64, 64)).astype(np.float32)
    difference = np.abs(signed_output(output).astype(int) - ff_normalize_crop_frame(output).astype(int))
    # Rounding half up against numpy's half to even: only exact ties may differ, by one level.
    assert difference.max() <= 1 and (difference == 0).mean() > 0.999


# -- frame enhancer (Real-ESRGAN) ------------------------------------------------------------------------

def test_upscaler_normalisation_is_the_references():
    rng = np.random.default_rng(1)
    tile = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    np.testing.assert_array_equal(rgb_blob(tile), ff_prepare_tile_frame(tile))
    output = rng.uniform(-0.1, 1.1, (1, 3, 32, 32)).astype(np.float32)
    difference = rgb_output(output[0]).astype(int) - ff_normalize_tile_frame(output).astype(int)
    # Real-ESRGAN's own inference rounds; FaceFusion truncates: ours is never lower, at most one level higher.
    assert difference.min() == 0 and difference.max() == 1


@pytest.mark.parametrize("scale", [2, 4])
def test_upscaled_photo_matches_the_references_tiling(scale, images_dir, tmp_path):
    """FaceFusion pads the photo with black and drops 8 px of each 256 px tile; we mirror the
    photo's edges and drop 16 px. Away from the photo's border (where the black padding shows in
    the reference) the two agree to the rounding above."""
    session = _session(build_upscaler(scale), tmp_path, f"x{scale}")
    image = cv2.imread(str(images_dir / "obama.jpg"))[:300, :420]
    ours = FrameUpscaler(session, scale).upscale(image)
    reference = ff_enhance_frame(session, image, scale)
    assert ours.shape == reference.shape == (300 * scale, 420 * scale, 3)
    inner = (slice(2 * scale, -2 * scale), slice(2 * scale, -2 * scale))
    difference = ours[inner].astype(int) - reference[inner].astype(int)
    assert difference.min() >= 0 and difference.max() <= 1


# -- colouriser (DDColor) --------------------------------------------------------------------------------

def test_colorizer_pre_and_post_processing_are_the_references(images_dir, tmp_path):
    session = _session(build_ddcolor(), tmp_path, "ddcolor")
    image = cv2.imread(str(images_dir / "newton.png"))
    np.testing.assert_allclose(ddcolor_blob(image), ff_prepare_temp_frame(image), atol=1e-5)
    ab = session.run(None, {"input": ddcolor_blob(image)})[0][0]
    ours = Colorizer(session).colorize(image)
    np.testing.assert_array_equal(ours, merge_ab(image, ab))
    reference = ff_merge_color_frame(image, ab)
    # The same but for gamut: the reference casts Lab colours past [0, 1] without clipping (they
    # wrap round in uint8); we clip them. Inside the gamut the two are equal to a rounding level.
    lab = cv2.cvtColor(np.concatenate((cv2.cvtColor(image.astype(np.float32) / 255, cv2.COLOR_BGR2LAB)[:, :, :1],
                                       cv2.resize(ab.transpose(1, 2, 0), image.shape[1::-1])), axis=-1),
                       cv2.COLOR_LAB2BGR)
    in_gamut = ((lab >= 0) & (lab <= 1)).all(axis=2)
    assert in_gamut.mean() > 0.5
    assert np.abs(ours[in_gamut].astype(int) - reference[in_gamut].astype(int)).max() <= 1
