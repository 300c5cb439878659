"""Five-point face templates, similarity-transform estimation and the warps built on them.

Every face model here expects a crop in which the eyes, nose tip and mouth corners sit at
fixed template positions. We estimate the similarity transform (rotation, uniform scale,
translation) that maps the detected keypoints onto a template by least squares (Umeyama),
warp the crop with it, and later warp results back with its inverse.
"""
from __future__ import annotations

import cv2
import numpy as np

from workers.faces.warp import BILINEAR, WarpInterpolation, warp_affine

# The standard ArcFace 112x112 landmark template (left eye, right eye, nose, mouth corners).
ARCFACE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
     [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float64,
)
# inswapper_128 was trained on crops made by InsightFace's alignment for size 128: the 112
# template is *not* scaled there, it is shifted right by 8 px (128 is not a multiple of 112).
# Using a scaled template instead feeds the model faces 14% larger than it learned on.
INSWAPPER_128 = ARCFACE_112 + np.array([8.0, 0.0])
# The FFHQ 512x512 template GFPGAN's own face helper aligns with.
FFHQ_512 = np.array(
    [[192.98138, 239.94708], [318.90277, 240.19360], [256.63416, 314.01935],
     [201.26117, 371.41043], [313.08905, 371.15118]], dtype=np.float64,
)


def estimate_similarity(source: np.ndarray, destination: np.ndarray) -> np.ndarray:
    """The 2x3 similarity matrix that best maps ``source`` points onto ``destination``.

    Umeyama's closed form: centre both point sets, take the SVD of their covariance for the
    rotation (with a reflection guard), the variance ratio for the scale, and the centroids
    for the translation.
    """
    src = np.asarray(source, dtype=np.float64).reshape(-1, 2)
    dst = np.asarray(destination, dtype=np.float64).reshape(-1, 2)
    if src.shape != dst.shape or len(src) < 2:
        raise ValueError(f"need matching point sets of at least 2 points, got {src.shape} {dst.shape}")
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_centred, dst_centred = src - src_mean, dst - dst_mean
    covariance = dst_centred.T @ src_centred / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1.0  # a reflection is not a similarity; flip the weakest axis instead
    rotation = u @ np.diag(sign) @ vt
    src_variance = (src_centred ** 2).sum() / len(src)
    scale = float((singular * sign).sum() / src_variance) if src_variance > 0 else 1.0
    translation = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, translation[:, None]])


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    return cv2.invertAffineTransform(np.asarray(matrix, dtype=np.float64))


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return points @ matrix[:, :2].T + matrix[:, 2]


class FaceAligner:
    """Crops a face to ``size`` x ``size`` with its keypoints on ``template``. ``interpolation``
    (``workers.faces.warp``): bilinear by default, as the reference crops the models learned on."""

    def __init__(self, template: np.ndarray, size: int, *, border: int = cv2.BORDER_REPLICATE,
                 interpolation: WarpInterpolation | int = BILINEAR) -> None:
        self.template = np.asarray(template, dtype=np.float64)
        self.size = size
        self.border = border
        self.interpolation = interpolation

    def matrix(self, keypoints: np.ndarray) -> np.ndarray:
        return estimate_similarity(keypoints, self.template)

    def crop(self, image: np.ndarray, keypoints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(aligned crop, the 2x3 matrix from image to crop coordinates)."""
        matrix = self.matrix(keypoints)
        crop = warp_affine(image, matrix, (self.size, self.size), interpolation=self.interpolation,
                           border=self.border, border_value=0)
        return crop, matrix


# ArcFace and inswapper were trained on crops padded with black (InsightFace's norm_crop and
# norm_crop2), so their crops are padded the same way (tests/workers/test_insightface_oracle.py).
ARCFACE_ALIGNER = FaceAligner(ARCFACE_112, 112, border=cv2.BORDER_CONSTANT)
INSWAPPER_ALIGNER = FaceAligner(INSWAPPER_128, 128, border=cv2.BORDER_CONSTANT)
FFHQ_ALIGNER = FaceAligner(FFHQ_512, 512)

# The templates of the other swappers (swap_model), as FaceFusion's face_helper.WARP_TEMPLATE_SET
# gives them (fractions of the crop side; facefusion/face_helper.py): GHOST and SimSwap were
# trained on 'arcface_112_v1' (InsightFace's older ArcFace template), HyperSwap on 'arcface_128'
# (the same points as INSWAPPER_128 above: 0.36167656 x 128 = 38.2946 + 8).
ARCFACE_112_V1_UNIT = np.array(
    [[0.35473214, 0.45658929], [0.64526786, 0.45658929], [0.50000000, 0.61154464],
     [0.37913393, 0.77687500], [0.62086607, 0.77687500]], dtype=np.float64,
)
ARCFACE_128_UNIT = INSWAPPER_128 / 128.0
