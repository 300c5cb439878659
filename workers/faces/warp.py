"""The interpolation of the two warps around a processed face, in one place.

A swap warps the frame into an aligned crop (align) and the processed crop back into the frame
(paste back). A round trip through both should give the frame back; how close it gets decides
how much fine texture (skin, film grain, canvas, sensor noise) survives a swap. Each warp picks
its interpolation from the scale it works at: a warp that *enlarges* (more output pixels than
input pixels across the face) and one that *shrinks* need different filters.

``bench/bench_texture.py`` measured the choices on textured material (a painting with a canvas
weave, film grain at three strengths, noisy low light, the plain photo; faces of 128-512 px,
pixel boost 128/256/512; figures in the README's quality section). What held on all of it,
never worse than the bilinear warps used before on any material, size or boost (they are used
from ``TEXTURE_WARPS_FROM`` up; the default 128 swap keeps its pixels):

* Lanczos-4 for both warps. Bilinear there and back smooths texture twice: at
  ``pixel_boost=512`` the shipped choice keeps 1.5-21 dB more than bilinear did; cubic both
  ways sits between (up to 7 dB under Lanczos-4).
* except where the align shrinks strongly (below ``STRONG_SCALE``: the crop gets under 3/4 of
  the frame's pixels across the face, i.e. faces over ~1.2x the crop size): there
  the crop cannot hold the finest texture, and a sharp kernel folds it back in as aliases
  (grain and sensor noise worst: Lanczos-4 there was up to 1.8 dB under bilinear), so the
  frame is averaged down (supersampled INTER_AREA). Averaging at milder shrinks blurs what the
  crop could have kept (up to 9 dB), so it stops there.
* the paste back's shrink (a 512 crop onto a smaller face) stays Lanczos-4: averaging there
  lost up to 20 dB.
* the paste back's strong enlargement (the same faces: a crop onto a face over ~1.2x its size)
  is cubic: against Lanczos-4 there -0.9 to +0.2 dB (the crop holds little finer detail to
  keep) at a quarter of its cost.
* the blend mask: bilinear, as before. A mask computed exactly in frame space or warped with
  Lanczos-4 changed nothing (0.01 dB); a wider feather (0.6) or replacing only where the mask
  is 1 scored up to 2 dB higher only by leaving more of the face unswapped, so the blend is left
  as it was (the feather is the user's ``face_mask_blur``).
* a residual paste (only swapped - aligned warped back, added to the frame) makes the identity
  round trip exact, but for a swap that does change the face (a stand-in returning the same
  picture with another texture) it keeps the target's own fine texture under the new face:
  -2.4 to +3.8 dB against the shipped paste, so it does not hold on all material. Not used
  (``FacePaster(residual=True)`` keeps it measurable).

The reference aligners of the models' own inputs (ArcFace, inswapper at 128, FFHQ) keep bilinear
(``BILINEAR``), as the crops those models were trained on, and so does the enhancer's paste
(not measured here); the swap step's boosted crops (``align_interpolation``) and their paste
(``paste_interpolation``) take the choices above.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

# A sentinel (not an OpenCV flag for warpAffine): shrink by warping to a whole multiple of the
# output size with bilinear interpolation, then averaging blocks down (INTER_AREA).
SUPERSAMPLED_AREA = -1
# Its supersampling factor at most (a 128 crop of a face 8x larger is averaged from 1024 px;
# beyond that the cost grows with the square of the face and what is left to alias is little).
MAX_SUPERSAMPLING = 8
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
# Crops of this size and up (pixel_boost 256, 384, 512, auto's picks above 128) take the warps
# above; the default 128 swap keeps BILINEAR, so a request without pixel_boost gets the pixels it
# got before (defaults are today's swap). bench_texture measures both: at 128 the warps above
# would gain +0.2 to +8.9 dB on the round trip; lowering this to 128 switches them on there.
TEXTURE_WARPS_FROM = 256


def align_interpolation(crop_size: int) -> WarpInterpolation:
    """The align warp's interpolation for a swap crop of ``crop_size`` px."""
    return ALIGN_INTERPOLATION if crop_size >= TEXTURE_WARPS_FROM else BILINEAR


def paste_interpolation(crop_size: int) -> WarpInterpolation:
    """The paste-back warp's interpolation for a crop of ``crop_size`` px."""
    return PASTE_INTERPOLATION if crop_size >= TEXTURE_WARPS_FROM else BILINEAR


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
            factor = min(MAX_SUPERSAMPLING, math.ceil(1.0 / scale))
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

