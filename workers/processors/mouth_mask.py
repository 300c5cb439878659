"""The mouth-mask step: the target's own mouth shows through (speech and teeth stay real)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from workers.options import Option, OptionsSchema
from workers.processors.base import FaceTarget
from workers.processors.registry import ProcessorSetup, ProcessorSpec

if TYPE_CHECKING:  # numpy: on a worker only
    import numpy as np


class MouthMaskOptions(OptionsSchema):
    mouth_mask: Annotated[bool, Option(
        "Keep the target's mouth", help="Keep the target's own mouth (speech, teeth).")] = False


class MouthMaskProcessor:
    name = "mouth_mask"

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        from workers.faces.masks import mouth_region  # OpenCV: on a worker only

        crop = target.crop
        if crop is not None:
            crop.mask = crop.mask * (1.0 - mouth_region(crop.size, crop.keypoints))


def build(setup: ProcessorSetup, options: MouthMaskOptions) -> MouthMaskProcessor | None:
    return MouthMaskProcessor() if options.mouth_mask else None


PROCESSOR = ProcessorSpec(name="mouth_mask", order=40, options=MouthMaskOptions, build=build)
