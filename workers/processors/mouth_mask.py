"""The mouth-mask step: the target's own mouth shows through (speech and teeth stay real)."""
from __future__ import annotations

import numpy as np

from workers.faces.masks import mouth_region
from workers.processors.base import FaceTarget


class MouthMaskProcessor:
    name = "mouth_mask"

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        crop = target.crop
        if crop is not None:
            crop.mask = crop.mask * (1.0 - mouth_region(crop.size, crop.keypoints))
