"""The SimSwap family (neuralchen, 2020; FaceFusion's ONNX export): simswap_256.

Aligned on 'arcface_112_v1' at 256 px; pixels normalised with ImageNet's mean and std; the
output is RGB in [0, 1] already (no denormalisation: FaceFusion's ``normalize_crop_frame`` leaves
'simswap' out). The source embedding goes through FaceFusion's CrossFace converter
(``crossface_simswap``) and is normalised after it.
"""
from __future__ import annotations

import numpy as np

from workers.faces.align import ARCFACE_112_V1_UNIT
from workers.faces.embedder import normalise
from workers.faces.embedding_converter import EmbeddingConverter
from workers.faces.swapper_base import FaceSwapper, SwapperSpec, unit_points
from workers.model_zoo.names import CROSSFACE_SIMSWAP_MODEL, SIMSWAP_256_MODEL

SIMSWAP_SPECS = {
    SIMSWAP_256_MODEL: SwapperSpec(name=SIMSWAP_256_MODEL, template_unit=unit_points(ARCFACE_112_V1_UNIT),
                                   size=256, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
}


class SimSwapper(FaceSwapper):
    def __init__(self, session, spec: SwapperSpec, converter: EmbeddingConverter) -> None:
        super().__init__(session, spec)
        self.converter = converter

    @classmethod
    def from_registry(cls, models, name: str) -> SimSwapper:
        return cls(models.session(name), SIMSWAP_SPECS[name],
                   EmbeddingConverter.from_registry(models, CROSSFACE_SIMSWAP_MODEL))

    def source_latent(self, embedding: np.ndarray) -> np.ndarray:
        return normalise(self.converter.convert(embedding)).astype(np.float32)
