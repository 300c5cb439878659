"""The warps' interpolation choices (``workers.faces.warp``) and the paste built on them."""
from __future__ import annotations

import cv2
import numpy as np

from workers.faces.align import INSWAPPER_128, FaceAligner
from workers.faces.masks import box_mask
from workers.faces.paste import FacePaster
from workers.faces.warp import (
    ALIGN_INTERPOLATION,
    BILINEAR,
    PASTE_INTERPOLATION,
    STRONG_SCALE,
    SUPERSAMPLED_AREA,
    WarpInterpolation,
    align_interpolation,
    paste_interpolation,
    warp_affine,
    warp_scale,
)

KEYPOINTS = np.array([[210.0, 250.0], [290.0, 248.0], [252.0, 300.0], [220.0, 345.0], [285.0, 343.0]])


def _texture(height=480, width=480, seed=5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    smooth = cv2.GaussianBlur(rng.integers(0, 256, (height, width, 3)).astype(np.float32), (0, 0), 6)
    grain = rng.normal(0, 12, (height, width, 3))
    return np.clip(smooth * 4 - 380 + grain, 0, 255).astype(np.uint8)


def test_each_warp_picks_its_interpolation_by_scale():
    choice = WarpInterpolation(near=cv2.INTER_LANCZOS4, enlarge=cv2.INTER_CUBIC, shrink=SUPERSAMPLED_AREA)
    assert choice.for_scale(2 / STRONG_SCALE) == cv2.INTER_CUBIC
    assert choice.for_scale(1.1) == choice.for_scale(0.9) == cv2.INTER_LANCZOS4
    assert choice.for_scale(STRONG_SCALE / 2) == SUPERSAMPLED_AREA
    assert WarpInterpolation.always(cv2.INTER_AREA).for_scale(0.1) == cv2.INTER_AREA
    assert ALIGN_INTERPOLATION.for_scale(2.0) == PASTE_INTERPOLATION.for_scale(0.5) == cv2.INTER_LANCZOS4
    assert ALIGN_INTERPOLATION.for_scale(0.5) == SUPERSAMPLED_AREA
    assert PASTE_INTERPOLATION.for_scale(2.0) == cv2.INTER_CUBIC
    assert warp_scale(np.array([[0.0, -0.5, 3.0], [0.5, 0.0, 1.0]])) == 0.5
    # the default 128 swap keeps the bilinear warps; pixel boosts take the new ones
    assert align_interpolation(128) == paste_interpolation(128) == BILINEAR
    assert align_interpolation(256) == ALIGN_INTERPOLATION and paste_interpolation(512) == PASTE_INTERPOLATION


def test_the_inverse_map_samples_the_same_pixels_as_the_inverted_matrix():
    image = _texture()
    matrix = FaceAligner(INSWAPPER_128 * 2, 256).matrix(KEYPOINTS)  # frame -> crop
    crop = cv2.warpAffine(image, matrix, (256, 256), flags=cv2.INTER_LINEAR)
    inverted = cv2.warpAffine(crop, cv2.invertAffineTransform(matrix), (480, 480), flags=cv2.INTER_LINEAR)
    direct = warp_affine(crop, matrix, (480, 480), interpolation=cv2.INTER_LINEAR, inverse_map=True,
                         border=cv2.BORDER_CONSTANT)
    assert np.abs(direct.astype(int) - inverted).max() <= 1


def test_supersampled_area_of_a_plain_downscale_is_opencvs_area_resize():
    image = _texture()
    quarter = np.array([[0.25, 0.0, -0.375], [0.0, 0.25, -0.375]])  # pixel centres: u = (x - 1.5) / 4
    shrunk = warp_affine(image, quarter, (120, 120), interpolation=SUPERSAMPLED_AREA)
    expected = cv2.resize(image, (120, 120), interpolation=cv2.INTER_AREA)
    assert np.abs(shrunk.astype(int) - expected).max() <= 1


def test_a_strongly_shrinking_align_is_filtered_not_aliased():
    """A 128 crop of a face 4x its size: the supersampled crop is close to the frame averaged
    down, where point sampling (bilinear) keeps the grain's aliases."""
    image = _texture(960, 960)
    keypoints = KEYPOINTS * 2
    shipped = FaceAligner(INSWAPPER_128, 128, interpolation=ALIGN_INTERPOLATION)
    crop, matrix = shipped.crop(image, keypoints)
    assert warp_scale(matrix) < STRONG_SCALE
    bilinear, _ = FaceAligner(INSWAPPER_128, 128).crop(image, keypoints)
    blurred = cv2.GaussianBlur(image, (0, 0), 0.5 / warp_scale(matrix))
    reference = cv2.warpAffine(blurred, matrix, (128, 128), flags=cv2.INTER_LINEAR)
    inner = (slice(16, 112), slice(16, 112))
    assert np.abs(crop[inner].astype(float) - reference[inner]).mean() < \
        0.6 * np.abs(bilinear[inner].astype(float) - reference[inner]).mean()


def test_a_residual_paste_of_an_unchanged_crop_changes_nothing():
    image = _texture()
    aligner = FaceAligner(INSWAPPER_128 * 4, 512, interpolation=ALIGN_INTERPOLATION)
    crop, matrix = aligner.crop(image, KEYPOINTS)
    out = image.copy()
    FacePaster(512, residual=True).paste(out, crop, matrix, (150, 180, 350, 420), mask=box_mask(512), original=crop)
    assert np.array_equal(out, image)
    brighter = np.clip(crop.astype(int) + 20, 0, 255).astype(np.uint8)
    FacePaster(512, residual=True).paste(out, brighter, matrix, (150, 180, 350, 420), mask=box_mask(512),
                                         original=crop)
    assert out[300, 250].astype(int).sum() > image[300, 250].astype(int).sum() + 30
    assert np.array_equal(out[:180], image[:180]) and np.array_equal(out[:, :150], image[:, :150])
