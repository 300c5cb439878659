"""The colour-match step: the swapped crop takes the target face's LAB mean and spread."""
from __future__ import annotations

import numpy as np

from workers.faces.color import match_colour
from workers.processors.base import FaceTarget


class ColorMatchProcessor:
    name = "color_match"

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        crop = target.crop
        if crop is not None:
            crop.swapped = match_colour(crop.swapped, crop.original, crop.mask)
