"""Colour transfer between face crops in CIE LAB (Reinhard et al. 2001): mean and spread."""
from __future__ import annotations

import cv2
import numpy as np

# Pixels whose blend weight is at least this count as "the face" for the statistics; the
# feathered rim is left out because it mixes the face with hair and background.
STATISTICS_WEIGHT = 0.5
_MIN_PIXELS = 16


def to_lab(image: np.ndarray) -> np.ndarray:
    """BGR uint8 -> float32 LAB (L in 0..100, a/b about -128..127)."""
    return cv2.cvtColor(image.astype(np.float32) / 255.0, cv2.COLOR_BGR2LAB)


def from_lab(lab: np.ndarray) -> np.ndarray:
    bgr = cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_LAB2BGR)
    return np.clip(bgr * 255.0 + 0.5, 0, 255).astype(np.uint8)


def match_colour(image: np.ndarray, reference: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``image`` with each LAB channel's mean and standard deviation inside the mask set to
    ``reference``'s there (both BGR uint8 of one size; ``weights`` the blend mask)."""
    inside = np.asarray(weights) >= STATISTICS_WEIGHT
    if int(inside.sum()) < _MIN_PIXELS:
        return image
    lab, reference_lab = to_lab(image), to_lab(reference)
    values, reference_values = lab[inside], reference_lab[inside]
    mean, spread = values.mean(axis=0), values.std(axis=0)
    reference_mean, reference_spread = reference_values.mean(axis=0), reference_values.std(axis=0)
    # A flat channel (spread ~ 0) only moves its mean; the ratio would blow noise up.
    ratio = np.where(spread > 1e-3, reference_spread / np.maximum(spread, 1e-3), 1.0)
    return from_lab((lab - mean) * ratio + reference_mean)
