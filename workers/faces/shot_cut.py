"""Hard cuts for the face stabiliser: a change of shot, told from a hand passing over a face.

The slow-motion cut test (``workers.interpolation.scene_cut``) also fires when a hand covers a
face in a close-up: the colour histogram moves as much as at a cut between two talking heads, and
the stabiliser must keep filling that gap. A local change, however large its effect on the
colours, leaves most of the frame as it was; a cut changes nearly all of it. So here a cut is a
change over most of the frame (the share of the cells of an 8x8 grid on a 32 px thumbnail whose
mean colour difference exceeds ``CELL_THRESHOLD`` grey levels) together with a change of the
whole frame's colours (hue/saturation histogram distance).

Thresholds from the real clips in tests/data/videos (decoded at 480x480; every consecutive pair
of their first 150 frames; as occluders a 230x180 px black box or a skin-coloured 220x280 px
ellipse over the face; every ordered pair of clips joined as a cut; checked by
tests/workers/faces/test_stability_cuts.py):

* changed share: inside a shot at most 0.14, an occluded face at most 0.31, a cut at least 0.70;
* histogram distance: inside a shot at most 0.06, a cut at least 0.22 (an occluder reaches 0.35,
  which is why the histogram alone cannot tell them apart).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_THUMB = 32  # px, square
_GRID = 8  # cells per side: 4x4 px each
_HIST_SIZE = (64, 64)
_HIST_BINS = (16, 8)  # hue, saturation
CELL_THRESHOLD = 8.0  # mean abs BGR difference of a cell, grey levels
CHANGED_SHARE = 0.5  # an occluder would have to cover half the frame
HISTOGRAM_DISTANCE = 0.1


@dataclass(frozen=True)
class ShotSignature:
    """What the cut test needs of one frame."""

    thumb: np.ndarray  # 32x32x3 float32
    histogram: np.ndarray  # normalised hue/saturation histogram, float32


def shot_signature(frame: np.ndarray) -> ShotSignature:
    """The signature of a BGR ``uint8`` frame."""
    small = cv2.resize(frame, _HIST_SIZE, interpolation=cv2.INTER_AREA)  # the one resize of the full frame
    thumb = cv2.resize(small, (_THUMB, _THUMB), interpolation=cv2.INTER_AREA).astype(np.float32)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    histogram = cv2.calcHist([hsv], [0, 1], None, list(_HIST_BINS), [0, 180, 0, 256]).astype(np.float32)
    return ShotSignature(thumb, histogram / max(float(histogram.sum()), 1.0))


def changed_share(before: ShotSignature, after: ShotSignature) -> float:
    """The share of the grid's cells whose colour changed by more than ``CELL_THRESHOLD``."""
    cell = _THUMB // _GRID
    difference = np.abs(before.thumb - after.thumb).mean(axis=2)
    cells = difference.reshape(_GRID, cell, _GRID, cell).mean(axis=(1, 3))
    return float((cells > CELL_THRESHOLD).mean())


def histogram_distance(before: ShotSignature, after: ShotSignature) -> float:
    return float(cv2.compareHist(before.histogram, after.histogram, cv2.HISTCMP_BHATTACHARYYA))


def is_hard_cut(before: ShotSignature, after: ShotSignature) -> bool:
    """Whether ``after`` starts a new shot (see the module)."""
    return (changed_share(before, after) >= CHANGED_SHARE
            and histogram_distance(before, after) >= HISTOGRAM_DISTANCE)
