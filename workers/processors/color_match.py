"""The colour-match step: the swapped crop takes the target face's LAB mean and spread."""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from workers.options import Option, OptionsSchema
from workers.processors.base import FaceTarget
from workers.processors.registry import ProcessorSetup, ProcessorSpec

if TYPE_CHECKING:  # numpy: on a worker only
    import numpy as np


class ColorMatchOptions(OptionsSchema):
    color_match: Annotated[bool, Option(
        "Match the target's skin colour",
        help="Give the swapped face the target face's colour (LAB mean and spread).")] = False


class ColorMatchProcessor:
    name = "color_match"

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        from workers.faces.color import match_colour  # OpenCV: on a worker only

        crop = target.crop
        if crop is not None:
            crop.swapped = match_colour(crop.swapped, crop.original, crop.mask)


def build(setup: ProcessorSetup, options: ColorMatchOptions) -> ColorMatchProcessor | None:
    return ColorMatchProcessor() if options.color_match else None


PROCESSOR = ProcessorSpec(name="color_match", order=30, options=ColorMatchOptions, build=build)
