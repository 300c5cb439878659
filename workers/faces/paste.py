"""Blends a processed face crop back into its frame, touching only the face's box.

The crop is warped back with the inverse of its alignment matrix, but only onto the face's
bounding rectangle (never the whole frame: that is the slow part of a naive paste-back, and
it would let resampling noise leak into pixels that should stay identical). The blend mask
fades in from the crop's border (so the crop's corners, which hold background, never show)
and fades out towards the box edges (so no seam appears where the box ends).
"""
from __future__ import annotations

import cv2
import numpy as np

from workers.faces.warp import MASK_INTERPOLATION, WarpInterpolation, paste_interpolation, warp_affine


def edge_ramp(height: int, width: int, *, inset: float, fade: float) -> np.ndarray:
    """A float32 mask: 0 within ``inset`` of the border, rising to 1 over ``fade`` further in;
    both are fractions of the shorter side."""
    shorter = float(min(height, width))
    ys = np.minimum(np.arange(height), np.arange(height)[::-1]).astype(np.float32)
    xs = np.minimum(np.arange(width), np.arange(width)[::-1]).astype(np.float32)
    distance = np.minimum(ys[:, None], xs[None, :]) / shorter
    return np.clip((distance - inset) / max(fade, 1e-6), 0.0, 1.0).astype(np.float32)


class FacePaster:
    """Pastes ``crop_size`` crops back with a feathered, eroded mask limited to a box."""

    def __init__(self, crop_size: int, *, crop_inset: float = 0.08, crop_fade: float = 0.12,
                 box_fade: float = 0.08, interpolation: WarpInterpolation | int | None = None,
                 mask_interpolation: int = MASK_INTERPOLATION, residual: bool = False) -> None:
        self.crop_size = crop_size
        self.box_fade = box_fade
        self.crop_mask = edge_ramp(crop_size, crop_size, inset=crop_inset, fade=crop_fade)
        self.interpolation = interpolation  # None: by the crop's size (``warp.paste_interpolation``)
        self.mask_interpolation = mask_interpolation
        # residual: warp back only what the processing changed (crop - original) and add it to
        # the frame, so what it left alone keeps the frame's own pixels (bench_texture measures it).
        self.residual = residual

    def frame_mask(self, crop_mask: np.ndarray, back: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """The crop's blend mask in the box's pixels (``back``: box -> crop coordinates)."""
        return warp_affine(crop_mask, back, size, interpolation=self.mask_interpolation,
                           border=cv2.BORDER_CONSTANT, border_value=0, inverse_map=True)

    def paste(self, frame: np.ndarray, crop: np.ndarray, matrix: np.ndarray,
              box: tuple[int, int, int, int], *, mask: np.ndarray | None = None,
              original: np.ndarray | None = None) -> None:
        """Blends ``crop`` (aligned with ``matrix``, image -> crop) into ``frame`` in place,
        within ``box`` = (x1, y1, x2, y2) pixel bounds (x2/y2 exclusive). ``mask`` (float32,
        crop-sized) replaces the default feathered crop mask when given; ``original`` is the
        unprocessed crop (used by a residual paster only)."""
        x1, y1, x2, y2 = box
        width, height = x2 - x1, y2 - y1
        if width < 2 or height < 2:
            return
        # Box pixel -> crop pixel: the alignment matrix with the box's corner as the origin,
        # sampled as it is (WARP_INVERSE_MAP) instead of inverted and inverted back by OpenCV.
        back = np.asarray(matrix, np.float64).copy()
        back[:, 2] += back[:, :2] @ (x1, y1)
        size = (width, height)
        crop_mask = self.crop_mask if mask is None else np.asarray(mask, np.float32)
        mask = self.frame_mask(crop_mask, back, size)
        mask *= edge_ramp(height, width, inset=0.0, fade=self.box_fade)
        region = frame[y1:y2, x1:x2]
        base = region.astype(np.float32)
        interpolation = paste_interpolation(crop.shape[0]) if self.interpolation is None else self.interpolation
        if self.residual and original is not None:
            change = crop.astype(np.float32) - original.astype(np.float32)
            blended = warp_affine(change, back, size, interpolation=interpolation,
                                  border=cv2.BORDER_REPLICATE, inverse_map=True)
            blended *= cv2.merge((mask, mask, mask))
            blended += base
            np.clip(blended, 0.0, 255.0, out=blended)
        else:
            # region + (face - region) x alpha, rounded: the same blend as face x alpha +
            # region x (1 - alpha), in place on one float buffer (4x faster than the broadcasts).
            # alpha is in [0, 1], so the result stays in [0, 255] and needs no clipping.
            face = warp_affine(crop, back, size, interpolation=interpolation,
                               border=cv2.BORDER_REPLICATE, inverse_map=True)
            blended = face.astype(np.float32)
            blended -= base
            blended *= cv2.merge((mask, mask, mask))
            blended += base
        blended += 0.5
        region[...] = blended.astype(np.uint8)
