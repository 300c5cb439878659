"""The enhance step: the chosen face enhancer (GFPGAN by default) restores the (already swapped)
face in the frame.

:class:`EnhancerOptions` (which enhancer, CodeFormer's fidelity) is declared once here and
shared by every schema that enhances faces: the swap's step below (switched on by ``enhance``)
and restore (``workers/pipelines/options.py``: restore always enhances faces)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from workers.choices import (
    CODEFORMER_FIDELITY_DEFAULT,
    CODEFORMER_FIDELITY_RANGE,
    ENHANCE_MODELS,
    ENHANCER_WEIGHTS,
    EnhanceModel,
)
from workers.options import Option, OptionsSchema, Price
from workers.processors.base import FaceTarget
from workers.processors.registry import ProcessorSetup, ProcessorSpec

if TYPE_CHECKING:  # numpy and the rest: on a worker only
    import numpy as np

    from workers.faces.enhancer import FaceEnhancer


class EnhancerOptions(OptionsSchema):
    """Which face enhancer runs; its models count only while ``enhance`` is on (where the schema
    has ``enhance``)."""

    enhance_model: Annotated[EnhanceModel, Option(
        "Face enhancer", choices=ENHANCE_MODELS, when="enhance",
        help="The model that restores faces (licences differ: see GET /api/models/).",
        models={model: (ENHANCER_WEIGHTS[model],) for model in EnhanceModel})] = ENHANCE_MODELS.default
    # Only CodeFormer has a fidelity input; the other enhancers ignore it (a form always sends
    # the default, so another model with it is not an error).
    codeformer_fidelity: Annotated[float, Field(ge=CODEFORMER_FIDELITY_RANGE[0], le=CODEFORMER_FIDELITY_RANGE[1]),
                                   Option("CodeFormer fidelity",
                                          help="CodeFormer only: 0 favours quality, 1 faithfulness to the input "
                                               "face; ignored by the other enhancers.")] = CODEFORMER_FIDELITY_DEFAULT


class EnhanceSwitch(OptionsSchema):
    enhance: Annotated[bool, Option(
        "Enhance faces", help="Restore the swapped face with the chosen face enhancer (GFPGAN by default).",
        prices={True: Price("preview with enhance", 2, "ISAMURAI_PRICE_PREVIEW_ENHANCE")})] = False


class FaceEnhanceOptions(EnhancerOptions, EnhanceSwitch):
    """``enhance`` then the enhancer's fields (pydantic lists the last base's fields first)."""


class FaceEnhanceProcessor:
    name = "enhance"

    def __init__(self, enhancer: FaceEnhancer) -> None:
        self.enhancer = enhancer

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        self.enhancer.enhance(frame, target.face)


def build(setup: ProcessorSetup, options: FaceEnhanceOptions) -> FaceEnhanceProcessor | None:
    if not options.enhance:
        return None
    from workers.faces.enhancers import face_enhancer_create  # ONNX: on a worker only

    return FaceEnhanceProcessor(face_enhancer_create(setup.models, model=options.enhance_model,
                                                     fidelity=options.codeformer_fidelity))


PROCESSOR = ProcessorSpec(name="face_enhance", order=60, options=FaceEnhanceOptions, build=build)
