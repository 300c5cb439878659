"""The paste step: the processed crop blended back into the frame, inside the face's box."""
from __future__ import annotations

import numpy as np

from workers.faces.paste import FacePaster
from workers.processors.base import FaceTarget


class PasteBackProcessor:
    name = "paste"

    def __init__(self) -> None:
        self.paster = FacePaster(128)  # the crop size only shapes its default mask, never used here

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        crop = target.crop
        if crop is None:
            return
        self.paster.paste(frame, crop.swapped, crop.matrix, target.face.pixel_box(frame.shape),
                          mask=crop.mask)
        target.crop = None
