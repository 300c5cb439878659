"""The swap step: the target face through the job's swapper (``swap_model``), optionally at a
boosted resolution.

``pixel_boost`` N above the model's native size M (128 for inswapper, 256 for HyperSwap, GHOST
and SimSwap) aligns the face at N x N instead of M x M, splits that crop into (N/M)^2
pixel-shuffled M x M sub-crops (sub-crop (i, j) holds every pixel whose row is i and column is j
modulo N/M), swaps each with the same source, and interleaves the results back into an N x N
crop: the model still sees M-px faces, but the paste works from N px, so a large face is no
longer upscaled from M px. ``auto`` picks N from the face's size in the frame (the frame pixels
the M crop covers, rounded up to a multiple of M, at most 512).

A boost that is not a multiple of the model's size is rounded UP to the next multiple (128 ->
256 and 384 -> 512 for a 256-px model): the model can only work on whole M x M tiles, and
rounding up never swaps at less than was asked. It is not a 400 because the default, 128
("the model's own size"), must stay valid with every swapper: a request that names only
``swap_model=hyperswap_1a_256`` gets 256, the model's own size.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated

from workers.choices import PIXEL_BOOSTS, SWAP_MODELS, PixelBoost, SwapModel
from workers.model_zoo.names import (
    CROSSFACE_GHOST_MODEL,
    CROSSFACE_SIMSWAP_MODEL,
    GHOST_1_MODEL,
    GHOST_2_MODEL,
    GHOST_3_MODEL,
    HYPERSWAP_1A_MODEL,
    HYPERSWAP_1B_MODEL,
    HYPERSWAP_1C_MODEL,
    SIMSWAP_256_MODEL,
    SWAPPER_MODEL,
)
from workers.options import Option, OptionsSchema
from workers.processors.base import FaceCrop, FaceTarget
from workers.processors.registry import ProcessorSetup, ProcessorSpec

if TYPE_CHECKING:  # numpy and the rest: on a worker only
    import numpy as np

    from workers.faces.align import FaceAligner
    from workers.faces.swapper_base import FaceSwapper

MODEL_SIZE = 128  # inswapper's, the default swapper's
MAX_BOOST = 512

# The weights each swapper needs (a GHOST or SimSwap swap also runs its embedding converter).
SWAP_MODEL_WEIGHTS: dict[SwapModel, tuple[str, ...]] = {
    SwapModel.INSWAPPER_128: (SWAPPER_MODEL,),
    SwapModel.HYPERSWAP_1A_256: (HYPERSWAP_1A_MODEL,),
    SwapModel.HYPERSWAP_1B_256: (HYPERSWAP_1B_MODEL,),
    SwapModel.HYPERSWAP_1C_256: (HYPERSWAP_1C_MODEL,),
    SwapModel.GHOST_1_256: (GHOST_1_MODEL, CROSSFACE_GHOST_MODEL),
    SwapModel.GHOST_2_256: (GHOST_2_MODEL, CROSSFACE_GHOST_MODEL),
    SwapModel.GHOST_3_256: (GHOST_3_MODEL, CROSSFACE_GHOST_MODEL),
    SwapModel.SIMSWAP_256: (SIMSWAP_256_MODEL, CROSSFACE_SIMSWAP_MODEL),
}


class FaceSwapStepOptions(OptionsSchema):
    swap_model: Annotated[SwapModel, Option(
        "Face swapper", choices=SWAP_MODELS, models=SWAP_MODEL_WEIGHTS,
        # GHOST is Apache-2.0: the one swapper an operator selling swaps may run.
        commercial_default=SwapModel.GHOST_2_256,
        help="The swap model: inswapper_128 (default) works at 128 px; hyperswap_1a/1b/1c_256, ghost_1/2/3_256 "
             "and simswap_256 at 256 px (sharper on large faces). Each model's licence: GET /api/models/.")] = (
        SWAP_MODELS.default)
    pixel_boost: Annotated[PixelBoost, Option(
        "Pixel boost (swap resolution)", choices=PIXEL_BOOSTS,
        help="Swap resolution: the face is swapped as pixel-shuffled tiles of the model's own size (128 or "
             "256 px) and pasted back from N px; a size below or between the model's multiples is rounded up "
             "(128 with a 256-px model is 256); auto picks N from the face's size. Default 128.")] = (
        PIXEL_BOOSTS.default)


@lru_cache(maxsize=8)
def boosted_aligner(size: int) -> FaceAligner:
    """inswapper's template at ``size`` px (the default swapper; others: ``FaceSwapper.aligner_at``)."""
    from workers.faces.align import INSWAPPER_128, FaceAligner  # OpenCV: on a worker only
    from workers.faces.warp import align_interpolation

    return FaceAligner(INSWAPPER_128 * (size / MODEL_SIZE), size, interpolation=align_interpolation(size))


def boost_size(asked: int, native: int) -> int:
    """The crop size for a boost of ``asked`` px with a model of ``native`` px: the smallest
    multiple of ``native`` that is at least ``asked`` (see the module's doc string)."""
    return native * max(1, math.ceil(asked / native))


def auto_size(keypoints: np.ndarray, swapper: FaceSwapper | None = None) -> int:
    """The boost for a face: the frame pixels across the model's native crop, rounded up to
    multiples of the native size (at most 512)."""
    import numpy as np

    native = MODEL_SIZE if swapper is None else swapper.size
    aligner = boosted_aligner(MODEL_SIZE) if swapper is None else swapper.aligner_at(native)
    matrix = aligner.matrix(keypoints)
    scale = math.sqrt(abs(float(np.linalg.det(matrix[:, :2]))))  # frame px -> crop px
    covered = native / max(scale, 1e-6)
    return int(min(max(MAX_BOOST, native), max(native, native * math.ceil(covered / native - 0.05))))


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

    def __init__(self, swapper: FaceSwapper, *, pixel_boost: PixelBoost = PIXEL_BOOSTS.default) -> None:
        self.swapper = swapper
        self.pixel_boost = PIXEL_BOOSTS.parse(pixel_boost)

    def crop_size(self, keypoints: np.ndarray) -> int:
        if self.pixel_boost is PixelBoost.AUTO:
            return auto_size(keypoints, self.swapper)
        return boost_size(int(self.pixel_boost), self.swapper.size)

    def swap_boosted(self, crop: np.ndarray, latent: np.ndarray) -> np.ndarray:
        factor = crop.shape[0] // self.swapper.size
        if factor == 1:
            return self.swapper.swap_aligned(crop, latent)
        parts = [self.swapper.swap_aligned(part, latent) for part in pixel_unshuffle(crop, factor)]
        return pixel_shuffle(parts, factor)

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        from workers.faces.align import transform_points  # OpenCV: on a worker only
        from workers.faces.masks import box_mask

        size = self.crop_size(target.face.keypoints)
        original, matrix = self.swapper.aligner_at(size).crop(frame, target.face.keypoints)
        target.crop = FaceCrop(swapped=self.swap_boosted(original, target.latent), original=original,
                               matrix=matrix, mask=box_mask(size),
                               keypoints=transform_points(matrix, target.face.keypoints))


def build(setup: ProcessorSetup, options: FaceSwapStepOptions) -> FaceSwapProcessor:
    return FaceSwapProcessor(setup.swapper, pixel_boost=options.pixel_boost)


PROCESSOR = ProcessorSpec(name="face_swap", order=10, options=FaceSwapStepOptions, build=build)
