"""The interpolation of the two warps around a processed face, in one place.

A swap warps the frame into an aligned crop (align) and the processed crop back into the frame
(paste back). A round trip through both should give the frame back; how close it gets decides
how much fine texture (skin, film grain, canvas, sensor noise) survives a swap. Each warp picks
its interpolation from the scale it works at: a warp that *enlarges* (more output pixels than
input pixels across the face) and one that *shrinks* need different filters.

``bench/bench_texture.py`` measured the choices on textured material (a painting with a canvas
weave, film grain at three strengths, noisy low light, the plain photo; faces of 128-512 px,
pixel boost 128/256/512; figures in the README's quality section). What held on all of it,
never worse than the bilinear warps used before on any material, size or boost:

* Lanczos-4 for both warps. Bilinear there and back smooths texture twice: at
  ``pixel_boost=512`` the round trip lost 3-21 dB more than with Lanczos-4; cubic sits between.
* except where the align shrinks strongly (the crop gets under 3/4 of the frame's pixels across
  the face, ``STRONG_SCALE``: e.g. ``pixel_boost=128`` on faces over ~150 px): there the crop cannot hold the
  finest texture, and a sharp kernel folds it back in as aliases (grain and sensor noise
  worst), so the frame is averaged down (supersampled INTER_AREA). Averaging at milder shrinks
  blurs what the crop could have kept, so it stops there.
* the paste back's shrink (a 512 crop onto a smaller face) stays Lanczos-4: averaging there
  lost up to 13 dB.
* the paste back's strong enlargement (a 128 crop onto a face over ~170 px: the default
  boost) is cubic: within 0.2 dB of Lanczos-4 there (the crop holds no finer detail to keep)
  at a quarter of its cost, which every default swap pays. A mild one stays Lanczos-4.
* the blend mask: bilinear. A mask computed exactly in frame space, a Lanczos-warped mask or
  the feather width changed the round trip by under 1.5 dB, all by where the mask lets the
  frame through, so the blend is left as it was.
* a residual paste (only swapped - aligned warped back, added to the frame) makes the identity
  round trip exact, but for a swap that does change the face it keeps the target's own fine
  texture under the new face: up to 2.5 dB worse where the crop shrinks. Not used.

The reference aligners of the models' own inputs (ArcFace, inswapper at 128, FFHQ) keep bilinear
(``BILINEAR``), as the crops those models were trained on; the swap step's boosted crops, which
are pasted back, use ``ALIGN_INTERPOLATION``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

# A sentinel (not an OpenCV flag for warpAffine): shrink by warping to a whole multiple of the
# output size with bilinear interpolation, then averaging blocks down (INTER_AREA).
SUPERSAMPLED_AREA = -1
# A warp changes scale "strongly" below this scale (output px per input px) or above its
# inverse. Shrinking strongly, the crop keeps well under the frame's detail, and what it cannot
# hold must be filtered out, not aliased in; enlarging strongly, there is no finer detail to
# keep, so a cheaper kernel does as well.
STRONG_SCALE = 0.75


@dataclass(frozen=True)
class WarpInterpolation:
    """Which OpenCV interpolation a warp uses by its scale: ``near`` between ``STRONG_SCALE``
    and its inverse, ``enlarge`` above, ``shrink`` below."""

    near: int
    enlarge: int
    shrink: int

    def for_scale(self, scale: float) -> int:
        if scale > 1.0 / STRONG_SCALE:
            return self.enlarge
        if scale < STRONG_SCALE:
            return self.shrink
        return self.near

    @classmethod
    def always(cls, flag: int) -> WarpInterpolation:
        return cls(near=flag, enlarge=flag, shrink=flag)


# What the warps did before issue 22 (and what InsightFace's reference crops use).
BILINEAR = WarpInterpolation.always(cv2.INTER_LINEAR)
# The frame -> crop warp of a swap.
ALIGN_INTERPOLATION = WarpInterpolation(near=cv2.INTER_LANCZOS4, enlarge=cv2.INTER_LANCZOS4,
                                        shrink=SUPERSAMPLED_AREA)
# The crop -> frame warp of the paste back.
PASTE_INTERPOLATION = WarpInterpolation(near=cv2.INTER_LANCZOS4, enlarge=cv2.INTER_CUBIC,
                                        shrink=cv2.INTER_LANCZOS4)
# The paste's blend mask, crop -> frame.
MASK_INTERPOLATION = cv2.INTER_LINEAR


def warp_scale(matrix: np.ndarray) -> float:
    """Output pixels per input pixel (along a line) of a similarity ``matrix``."""
    return math.sqrt(abs(float(np.linalg.det(np.asarray(matrix, np.float64)[:, :2]))))


def warp_affine(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], *,
                interpolation: WarpInterpolation | int, border: int = cv2.BORDER_REPLICATE,
                border_value: float = 0, inverse_map: bool = False) -> np.ndarray:
    """``image`` warped by ``matrix`` to ``size`` = (width, height): ``matrix`` maps input to
    output coordinates, or output to input with ``inverse_map`` (OpenCV's ``WARP_INVERSE_MAP``:
    the paste back hands over the alignment matrix itself instead of inverting it)."""
    matrix = np.asarray(matrix, np.float64)
    scale = 1.0 / warp_scale(matrix) if inverse_map else warp_scale(matrix)
    flag = interpolation.for_scale(scale) if isinstance(interpolation, WarpInterpolation) else interpolation
    if flag == SUPERSAMPLED_AREA:
        if scale >= 1.0:
            flag = cv2.INTER_LINEAR
        else:
            forward = cv2.invertAffineTransform(matrix) if inverse_map else matrix
            factor = math.ceil(1.0 / scale)
            # Output pixel u's centre is factor * u + (factor - 1) / 2 in the big output, whose
            # factor x factor blocks INTER_AREA then averages.
            upscale = np.array([[factor, 0.0, (factor - 1) / 2.0], [0.0, factor, (factor - 1) / 2.0], [0, 0, 1]])
            large = cv2.warpAffine(image, (upscale @ np.vstack([forward, [0.0, 0.0, 1.0]]))[:2],
                                   (size[0] * factor, size[1] * factor), flags=cv2.INTER_LINEAR,
                                   borderMode=border, borderValue=border_value)
            return cv2.resize(large, size, interpolation=cv2.INTER_AREA)
    if inverse_map:
        flag |= cv2.WARP_INVERSE_MAP
    return cv2.warpAffine(image, matrix, size, flags=flag, borderMode=border, borderValue=border_value)

