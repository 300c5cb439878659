"""Similarity-transform estimation and the alignment templates."""
from __future__ import annotations

import numpy as np
import pytest

from workers.faces.align import (
    ARCFACE_112,
    FFHQ_512,
    INSWAPPER_128,
    FaceAligner,
    estimate_similarity,
    invert_affine,
    transform_points,
)


def similarity(scale: float, angle: float, tx: float, ty: float) -> np.ndarray:
    cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
    return np.array([[cos, -sin, tx], [sin, cos, ty]])


@pytest.mark.parametrize("scale,angle,tx,ty", [(1.0, 0.0, 0.0, 0.0), (2.5, 0.3, -40.0, 12.0),
                                               (0.4, -1.2, 300.0, 80.0)])
def test_estimate_similarity_recovers_an_exact_transform(scale, angle, tx, ty):
    matrix = similarity(scale, angle, tx, ty)
    points = np.array([[10, 20], [80, 25], [45, 60], [20, 90], [75, 95]], dtype=np.float64)
    estimated = estimate_similarity(points, transform_points(matrix, points))
    np.testing.assert_allclose(estimated, matrix, atol=1e-9)


def test_estimate_similarity_is_least_squares_with_noise():
    rng = np.random.default_rng(3)
    matrix = similarity(1.7, 0.2, 5.0, -3.0)
    points = rng.uniform(0, 200, size=(5, 2))
    noisy = transform_points(matrix, points) + rng.normal(0, 0.5, size=(5, 2))
    estimated = estimate_similarity(points, noisy)
    np.testing.assert_allclose(estimated, matrix, atol=0.05 * 1.7 + 2.0)
    # A similarity never shears: the 2x2 part is scale x rotation.
    a, b = estimated[0, 0], estimated[1, 0]
    np.testing.assert_allclose(estimated[:, :2], [[a, -b], [b, a]], atol=1e-9)


def test_estimate_similarity_never_reflects():
    points = np.array([[0, 0], [20, 0], [0, 5], [20, 5], [7, 2]], dtype=np.float64)
    mirrored = points * [-1, 1]
    estimated = estimate_similarity(points, mirrored)
    assert np.linalg.det(estimated[:, :2]) > 0


def test_aligner_puts_keypoints_on_the_template_and_back():
    matrix = similarity(3.0, 0.15, 200.0, 90.0)
    keypoints = transform_points(matrix, ARCFACE_112)  # a face at 3x the template's size
    aligner = FaceAligner(INSWAPPER_128, 128)
    image = np.random.default_rng(0).integers(0, 255, (600, 700, 3), dtype=np.uint8)
    crop, to_crop = aligner.crop(image, keypoints)
    assert crop.shape == (128, 128, 3)
    np.testing.assert_allclose(transform_points(to_crop, keypoints), INSWAPPER_128, atol=1e-6)
    np.testing.assert_allclose(transform_points(invert_affine(to_crop), INSWAPPER_128), keypoints,
                               atol=1e-6)


def test_templates_match_the_models_conventions():
    # inswapper's 128 crops are the 112 template shifted by 8 px, not scaled (InsightFace's
    # alignment for sizes that are not multiples of 112).
    np.testing.assert_allclose(INSWAPPER_128 - ARCFACE_112, [[8, 0]] * 5)
    # FFHQ 512: eyes level, mouth below the nose, centred.
    assert abs(FFHQ_512[0, 1] - FFHQ_512[1, 1]) < 1 and FFHQ_512[2, 1] < FFHQ_512[3, 1]
    assert abs(FFHQ_512[:, 0].mean() - 256) < 5
