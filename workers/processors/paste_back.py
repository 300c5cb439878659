"""The paste step: the processed crop blended back into the frame, inside the face's box."""
from __future__ import annotations

from typing import TYPE_CHECKING

from workers.options import OptionsSchema
from workers.processors.base import FaceTarget
from workers.processors.registry import ProcessorSetup, ProcessorSpec

if TYPE_CHECKING:  # numpy and the rest: on a worker only
    import numpy as np

    from workers.faces.paste import FacePaster


class PasteBackProcessor:
    name = "paste"

    def __init__(self, paster: FacePaster) -> None:
        self.paster = paster

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        crop = target.crop
        if crop is None:
            return
        self.paster.paste(frame, crop.swapped, crop.matrix, target.face.pixel_box(frame.shape),
                          mask=crop.mask, original=crop.original)
        target.crop = None


def build(setup: ProcessorSetup, options: OptionsSchema) -> PasteBackProcessor:
    from workers.faces.paste import FacePaster  # OpenCV: on a worker only

    return PasteBackProcessor(FacePaster(128))  # the crop size only shapes its default mask, never used here


PROCESSOR = ProcessorSpec(name="paste_back", order=50, options=OptionsSchema, build=build)
