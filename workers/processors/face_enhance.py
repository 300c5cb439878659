"""The enhance step: GFPGAN restores the (already swapped) face in the frame."""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from workers.model_zoo.names import ENHANCER_MODEL
from workers.options import Option, OptionsSchema, Price
from workers.processors.base import FaceTarget
from workers.processors.registry import ProcessorSetup, ProcessorSpec

if TYPE_CHECKING:  # numpy and the rest: on a worker only
    import numpy as np

    from workers.faces.enhancer import GfpganEnhancer


class FaceEnhanceOptions(OptionsSchema):
    enhance: Annotated[bool, Option(
        "Enhance faces (GFPGAN)", help="Restore the swapped face with GFPGAN.",
        models={True: (ENHANCER_MODEL,)},
        prices={True: Price("preview with enhance", 2, "ISAMURAI_PRICE_PREVIEW_ENHANCE")})] = False


class FaceEnhanceProcessor:
    name = "enhance"

    def __init__(self, enhancer: GfpganEnhancer) -> None:
        self.enhancer = enhancer

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        self.enhancer.enhance(frame, target.face)


def build(setup: ProcessorSetup, options: FaceEnhanceOptions) -> FaceEnhanceProcessor | None:
    if not options.enhance:
        return None
    from workers.faces.enhancer import GfpganEnhancer  # ONNX: on a worker only

    return FaceEnhanceProcessor(GfpganEnhancer.from_registry(setup.models))


PROCESSOR = ProcessorSpec(name="face_enhance", order=60, options=FaceEnhanceOptions, build=build)
