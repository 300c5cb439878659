"""The swap step: the target face through inswapper, optionally at a boosted resolution.

``pixel_boost`` N > 128 aligns the face at N x N instead of 128 x 128, splits that crop into
(N/128)^2 pixel-shuffled 128 x 128 sub-crops (sub-crop (i, j) holds every pixel whose row is
i and column is j modulo N/128), swaps each with the same source, and interleaves the results
back into an N x N crop: the model still sees 128-px faces, but the paste works from N px, so
a large face is no longer upscaled from 128 px. ``auto`` picks N from the face's size in the
frame (the frame pixels the 128 crop covers, rounded up to a multiple of 128, at most 512).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated

from workers.choices import PIXEL_BOOSTS, PixelBoost
from workers.options import Option, OptionsSchema
from workers.processors.base import FaceCrop, FaceTarget
from workers.processors.registry import ProcessorSetup, ProcessorSpec

if TYPE_CHECKING:  # numpy and the rest: on a worker only
    import numpy as np

    from workers.faces.align import FaceAligner
    from workers.faces.swapper import InSwapper

MODEL_SIZE = 128
MAX_BOOST = 512


class FaceSwapStepOptions(OptionsSchema):
    pixel_boost: Annotated[PixelBoost, Option(
        "Pixel boost (swap resolution)", choices=PIXEL_BOOSTS,
        help="Swap resolution: the face is swapped as (N/128)^2 pixel-shuffled 128 px crops and pasted back "
             "from N px; auto picks N from the face's size. Default 128.")] = PIXEL_BOOSTS.default


@lru_cache(maxsize=8)
def boosted_aligner(size: int) -> FaceAligner:
    from workers.faces.align import INSWAPPER_128, FaceAligner  # OpenCV: on a worker only
    from workers.faces.warp import align_interpolation

    return FaceAligner(INSWAPPER_128 * (size / MODEL_SIZE), size, interpolation=align_interpolation(size))


def auto_size(keypoints: np.ndarray) -> int:
    """The boost for a face: the frame pixels across its 128 crop, rounded up to 128s."""
    import numpy as np

    matrix = boosted_aligner(MODEL_SIZE).matrix(keypoints)
    scale = math.sqrt(abs(float(np.linalg.det(matrix[:, :2]))))  # frame px -> crop px
    covered = MODEL_SIZE / max(scale, 1e-6)
    return int(min(MAX_BOOST, max(MODEL_SIZE, MODEL_SIZE * math.ceil(covered / MODEL_SIZE - 0.05))))


def pixel_unshuffle(crop: np.ndarray, factor: int) -> list[np.ndarray]:
    """The factor^2 sub-crops of ``crop``, row-major over the (i, j) phase."""
    import numpy as np

    return [np.ascontiguousarray(crop[i::factor, j::factor]) for i in range(factor) for j in range(factor)]


def pixel_shuffle(parts: list[np.ndarray], factor: int) -> np.ndarray:
    """The inverse of :func:`pixel_unshuffle`."""
    import numpy as np

    height, width = parts[0].shape[:2]
    crop = np.empty((height * factor, width * factor) + parts[0].shape[2:], parts[0].dtype)
    for index, part in enumerate(parts):
        i, j = divmod(index, factor)
        crop[i::factor, j::factor] = part
    return crop


class FaceSwapProcessor:
    name = "swap"

    def __init__(self, swapper: InSwapper, *, pixel_boost: PixelBoost = PIXEL_BOOSTS.default) -> None:
        self.swapper = swapper
        self.pixel_boost = PIXEL_BOOSTS.parse(pixel_boost)

    def crop_size(self, keypoints: np.ndarray) -> int:
        return auto_size(keypoints) if self.pixel_boost is PixelBoost.AUTO else int(self.pixel_boost)

    def swap_boosted(self, crop: np.ndarray, latent: np.ndarray) -> np.ndarray:
        factor = crop.shape[0] // MODEL_SIZE
        if factor == 1:
            return self.swapper.swap_aligned(crop, latent)
        parts = [self.swapper.swap_aligned(part, latent) for part in pixel_unshuffle(crop, factor)]
        return pixel_shuffle(parts, factor)

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        from workers.faces.align import transform_points  # OpenCV: on a worker only
        from workers.faces.masks import box_mask

        size = self.crop_size(target.face.keypoints)
        original, matrix = boosted_aligner(size).crop(frame, target.face.keypoints)
        target.crop = FaceCrop(swapped=self.swap_boosted(original, target.latent), original=original,
                               matrix=matrix, mask=box_mask(size),
                               keypoints=transform_points(matrix, target.face.keypoints))


def build(setup: ProcessorSetup, options: FaceSwapStepOptions) -> FaceSwapProcessor:
    return FaceSwapProcessor(setup.swapper, pixel_boost=options.pixel_boost)


PROCESSOR = ProcessorSpec(name="face_swap", order=10, options=FaceSwapStepOptions, build=build)
