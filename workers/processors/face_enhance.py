"""The enhance step: GFPGAN restores the (already swapped) face in the frame."""
from __future__ import annotations

import numpy as np

from workers.faces.enhancer import GfpganEnhancer
from workers.processors.base import FaceTarget


class FaceEnhanceProcessor:
    name = "enhance"

    def __init__(self, enhancer: GfpganEnhancer) -> None:
        self.enhancer = enhancer

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        self.enhancer.enhance(frame, target.face)
