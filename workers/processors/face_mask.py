"""The face-mask step: where the swapped crop may show, as the minimum of the chosen masks.

``box`` is the feathered crop box (``face_mask_padding`` % inset, ``face_mask_blur`` feather);
``occlusion`` keeps what covers the face (hands, glasses, microphones) from the target (XSeg);
``region`` limits the swap to skin, brows, eyes, nose and lips (BiSeNet face parser). Both
models look at the target's own crop, so what was in front of the face stays in front.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workers.choices import FACE_MASK_TYPES
from workers.faces.masks import BisenetFaceParser, XsegOccluder, box_mask
from workers.processors.base import FaceTarget


class FaceMaskProcessor:
    name = "face_mask"

    def __init__(self, types: Sequence[str], *, blur: float, padding: int,
                 occluder: XsegOccluder | None = None, parser: BisenetFaceParser | None = None) -> None:
        unknown = [kind for kind in types if kind not in FACE_MASK_TYPES]
        if unknown or not types:
            raise ValueError(FACE_MASK_TYPES.invalid_message(",".join(unknown) or "(none)"))
        if "occlusion" in types and occluder is None:
            raise ValueError("the occlusion mask needs the XSeg occluder")
        if "region" in types and parser is None:
            raise ValueError("the region mask needs the face parser")
        self.types = tuple(types)
        self.blur, self.padding = blur, padding
        self.occluder, self.parser = occluder, parser

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        crop = target.crop
        if crop is None:
            return
        masks = []
        if "box" in self.types:
            masks.append(box_mask(crop.size, blur=self.blur, padding=self.padding))
        if "occlusion" in self.types:
            masks.append(self.occluder.mask(crop.original, blur=self.blur))
        if "region" in self.types:
            masks.append(self.parser.mask(crop.original, blur=self.blur))
        crop.mask = np.minimum.reduce(masks).astype(np.float32)
