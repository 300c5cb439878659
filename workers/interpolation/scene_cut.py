"""Scene-cut and still-frame detection between consecutive frames, on small thumbnails.

Interpolating across a cut produces ghost frames that mix two shots, so the slow-motion
pipeline asks this module, for every pair of frames, whether it is

* a **cut**: the structure (SSIM of downscaled grey thumbnails) and the colours (hue and
  saturation histograms) both changed a lot, or
* **static**: the frames are near-identical, so a cross-fade is already exact and no model
  call is needed.

Both tests use a signature computed once per frame, so the cost is a resize per frame.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Thumbnails for the structural test: small enough to ignore noise and small motion (a
# 12 px pan at 960 px wide moves a 64 px thumbnail by under a pixel), large enough to see
# a change of shot.
_THUMB_SIZE = (64, 64)
_STATIC_THUMB_SIZE = (128, 128)
_HIST_BINS = (16, 8)  # hue, saturation


@dataclass(frozen=True)
class FrameSignature:
    """What the comparison needs of one frame."""

    thumb: np.ndarray  # 64x64 float32 grey
    fine: np.ndarray  # 128x128 float32 grey, for the still-frame test
    histogram: np.ndarray  # normalised hue/saturation histogram, float32


@dataclass(frozen=True)
class FrameChange:
    """How two consecutive frames differ."""

    ssim: float  # structural similarity of the grey thumbnails, 1 = same
    histogram_distance: float  # Bhattacharyya distance of the colour histograms, 0 = same
    max_difference: float  # largest grey-level difference of the 128 px thumbnails
    is_cut: bool
    is_static: bool


class SceneCutDetector:
    """Decides, per pair of consecutive frames, whether it is a cut or a still.

    A cut is a structural break (thumbnail SSIM below ``ssim_threshold``) together with a
    colour change (histogram distance above ``histogram_threshold``), or either change
    alone when it is extreme (``hard_ssim_threshold``, ``hard_histogram_threshold``): fast
    motion lowers SSIM but keeps the colours, a lighting change moves the histogram a
    little but keeps the structure. Defaults come from the test clips: inside a clip SSIM
    stays above 0.4 and the distance below 0.09; between two different clips SSIM falls
    below 0.61 with a distance above 0.2.
    """

    def __init__(
        self,
        *,
        ssim_threshold: float = 0.75,
        histogram_threshold: float = 0.15,
        hard_ssim_threshold: float = 0.25,
        hard_histogram_threshold: float = 0.35,
        static_max_difference: float = 3.0,
    ) -> None:
        self.ssim_threshold = ssim_threshold
        self.histogram_threshold = histogram_threshold
        self.hard_ssim_threshold = hard_ssim_threshold
        self.hard_histogram_threshold = hard_histogram_threshold
        self.static_max_difference = static_max_difference

    @staticmethod
    def signature(frame: np.ndarray) -> FrameSignature:
        """The signature of a BGR ``uint8`` frame."""
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        thumb = cv2.resize(grey, _THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)
        fine = cv2.resize(grey, _STATIC_THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)
        small = cv2.resize(frame, _STATIC_THUMB_SIZE, interpolation=cv2.INTER_AREA)
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
        histogram = cv2.calcHist([hsv], [0, 1], None, list(_HIST_BINS), [0, 180, 0, 256])
        histogram = histogram.astype(np.float32) / max(float(histogram.sum()), 1.0)
        return FrameSignature(thumb=thumb, fine=fine, histogram=histogram)

    def compare(self, first: FrameSignature, second: FrameSignature) -> FrameChange:
        ssim = thumbnail_ssim(first.thumb, second.thumb)
        distance = float(cv2.compareHist(first.histogram, second.histogram,
                                         cv2.HISTCMP_BHATTACHARYYA))
        max_difference = float(np.abs(first.fine - second.fine).max())
        is_cut = (ssim < self.hard_ssim_threshold or distance > self.hard_histogram_threshold
                  or (ssim < self.ssim_threshold and distance > self.histogram_threshold))
        is_static = not is_cut and max_difference <= self.static_max_difference
        return FrameChange(ssim=ssim, histogram_distance=distance, max_difference=max_difference,
                           is_cut=is_cut, is_static=is_static)

    def compare_frames(self, first: np.ndarray, second: np.ndarray) -> FrameChange:
        return self.compare(self.signature(first), self.signature(second))


def thumbnail_ssim(first: np.ndarray, second: np.ndarray) -> float:
    """Mean SSIM (Gaussian window, sigma 1.5) of two grey float images in 0..255."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(image: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(image, (7, 7), 1.5)

    mean1, mean2 = blur(first), blur(second)
    var1 = blur(first * first) - mean1 * mean1
    var2 = blur(second * second) - mean2 * mean2
    covariance = blur(first * second) - mean1 * mean2
    numerator = (2 * mean1 * mean2 + c1) * (2 * covariance + c2)
    denominator = (mean1 * mean1 + mean2 * mean2 + c1) * (var1 + var2 + c2)
    return float(np.mean(numerator / denominator))
