"""The face-mask step: where the swapped crop may show, as the minimum of the chosen masks.

``box`` is the feathered crop box (``face_mask_padding`` % inset, ``face_mask_blur`` feather);
``occlusion`` keeps what covers the face (hands, glasses, microphones) from the target (XSeg);
``region`` limits the swap to skin, brows, eyes, nose and lips (BiSeNet face parser). Both
models look at the target's own crop, so what was in front of the face stays in front. With the
default mask (a plain box, default feather and padding) the step is left out: the swap's own
crop mask is that box already.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from workers.choices import (
    FACE_MASK_BLUR_DEFAULT,
    FACE_MASK_BLUR_RANGE,
    FACE_MASK_PADDING_DEFAULT,
    FACE_MASK_PADDING_RANGE,
    FACE_MASK_TYPES,
    FaceMaskType,
)
from workers.errors import InvalidOption, ModelUnavailable
from workers.model_zoo.names import OCCLUDER_MODEL, PARSER_MODEL
from workers.options import Option, OptionsSchema
from workers.processors.base import FaceTarget
from workers.processors.registry import ProcessorSetup, ProcessorSpec

if TYPE_CHECKING:  # numpy and the rest: on a worker only
    import numpy as np

    from workers.faces.masks import BisenetFaceParser, XsegOccluder


class FaceMaskOptions(OptionsSchema):
    face_mask: Annotated[tuple[FaceMaskType, ...], Option(
        "Face mask", choices=FACE_MASK_TYPES,
        help="Any of box, occlusion, region (a list, repeated form fields, or one comma-separated string). "
             "Default: box.",
        models={FaceMaskType.OCCLUSION: (OCCLUDER_MODEL,), FaceMaskType.REGION: (PARSER_MODEL,)})] = (
        FACE_MASK_TYPES.default,)
    face_mask_blur: Annotated[float, Field(ge=FACE_MASK_BLUR_RANGE[0], le=FACE_MASK_BLUR_RANGE[1]), Option(
        "Mask feather (0-1)", help="Feather of the face mask's edge, 0 (hard) to 1. Default 0.3.")] = (
        FACE_MASK_BLUR_DEFAULT)
    face_mask_padding: Annotated[int, Field(ge=FACE_MASK_PADDING_RANGE[0], le=FACE_MASK_PADDING_RANGE[1]), Option(
        "Mask padding (%)", help="Per cent of the face crop left out on every side by the box mask. Default 8.")] = (
        FACE_MASK_PADDING_DEFAULT)

    @property
    def custom_mask(self) -> bool:
        return (self.face_mask != (FACE_MASK_TYPES.default,) or self.face_mask_blur != FACE_MASK_BLUR_DEFAULT
                or self.face_mask_padding != FACE_MASK_PADDING_DEFAULT)


class FaceMaskProcessor:
    name = "face_mask"

    def __init__(self, types: tuple[FaceMaskType, ...], *, blur: float, padding: int,
                 occluder: XsegOccluder | None = None, parser: BisenetFaceParser | None = None) -> None:
        if not types:
            raise InvalidOption(FACE_MASK_TYPES.invalid_message("(none)"))
        if FaceMaskType.OCCLUSION in types and occluder is None:
            raise ModelUnavailable(OCCLUDER_MODEL, reason="was not loaded for the occlusion mask")
        if FaceMaskType.REGION in types and parser is None:
            raise ModelUnavailable(PARSER_MODEL, reason="was not loaded for the region mask")
        self.types = tuple(types)
        self.blur, self.padding = blur, padding
        self.occluder, self.parser = occluder, parser

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        import numpy as np

        from workers.faces.masks import box_mask  # OpenCV: on a worker only

        crop = target.crop
        if crop is None:
            return
        masks = []
        if FaceMaskType.BOX in self.types:
            masks.append(box_mask(crop.size, blur=self.blur, padding=self.padding))
        if FaceMaskType.OCCLUSION in self.types:
            masks.append(self.occluder.mask(crop.original, blur=self.blur))
        if FaceMaskType.REGION in self.types:
            masks.append(self.parser.mask(crop.original, blur=self.blur))
        crop.mask = np.minimum.reduce(masks).astype(np.float32)


def build(setup: ProcessorSetup, options: FaceMaskOptions) -> FaceMaskProcessor | None:
    if not options.custom_mask:
        return None
    from workers.faces.masks import BisenetFaceParser, XsegOccluder  # ONNX: on a worker only

    types = options.face_mask
    return FaceMaskProcessor(
        types, blur=options.face_mask_blur, padding=options.face_mask_padding,
        occluder=XsegOccluder.from_registry(setup.models) if FaceMaskType.OCCLUSION in types else None,
        parser=BisenetFaceParser.from_registry(setup.models) if FaceMaskType.REGION in types else None)


PROCESSOR = ProcessorSpec(name="face_mask", order=20, options=FaceMaskOptions, build=build)
