"""The GHOST family (ai-forever's sber-swap, 2022; FaceFusion's ONNX export): ghost_1/2/3_256
(one, two or three blocks per AAD ResBlk; the same inputs and outputs).

Aligned on 'arcface_112_v1' at 256 px; pixels normalised to [-1, 1] (mean = std = 0.5) and the
output brought back from there. GHOST was trained with another ArcFace than w600k_r50, so the
source embedding goes through FaceFusion's CrossFace converter (``crossface_ghost``) and is fed
as it comes out, not normalised (FaceFusion's ``prepare_source_embedding`` for 'ghost').
"""
from __future__ import annotations

import numpy as np

from workers.faces.align import ARCFACE_112_V1_UNIT
from workers.faces.embedding_converter import EmbeddingConverter
from workers.faces.swapper_base import FaceSwapper, SwapperSpec, unit_points
from workers.model_zoo.names import CROSSFACE_GHOST_MODEL, GHOST_1_MODEL, GHOST_2_MODEL, GHOST_3_MODEL

GHOST_SPECS = {
    name: SwapperSpec(name=name, template_unit=unit_points(ARCFACE_112_V1_UNIT), size=256,
                      mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), denormalise=True)
    for name in (GHOST_1_MODEL, GHOST_2_MODEL, GHOST_3_MODEL)
}


class GhostSwapper(FaceSwapper):
    def __init__(self, session, spec: SwapperSpec, converter: EmbeddingConverter) -> None:
        super().__init__(session, spec)
        self.converter = converter

    @classmethod
    def from_registry(cls, models, name: str) -> GhostSwapper:
        return cls(models.session(name), GHOST_SPECS[name],
                   EmbeddingConverter.from_registry(models, CROSSFACE_GHOST_MODEL))

    def source_latent(self, embedding: np.ndarray) -> np.ndarray:
        return self.converter.convert(embedding)
