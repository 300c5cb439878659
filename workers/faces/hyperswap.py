"""The HyperSwap family (FaceFusion, 2025): hyperswap_1a/1b/1c_256.

Aligned on 'arcface_128' at 256 px; pixels normalised to [-1, 1] (mean = std = 0.5) and the
output brought back from there; the latent is the unit ArcFace embedding itself (FaceFusion's
``embedding_norm``). The ONNX graph answers ``output`` and ``mask`` (its own blend mask; the
output is already blended with the target by it): only ``output`` is used, as FaceFusion does.
"""
from __future__ import annotations

import numpy as np

from workers.faces.align import ARCFACE_128_UNIT
from workers.faces.embedder import normalise
from workers.faces.swapper_base import FaceSwapper, SwapperSpec, unit_points
from workers.model_zoo.names import HYPERSWAP_1A_MODEL, HYPERSWAP_1B_MODEL, HYPERSWAP_1C_MODEL

HYPERSWAP_SPECS = {
    name: SwapperSpec(name=name, template_unit=unit_points(ARCFACE_128_UNIT), size=256,
                      mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), denormalise=True)
    for name in (HYPERSWAP_1A_MODEL, HYPERSWAP_1B_MODEL, HYPERSWAP_1C_MODEL)
}


class HyperSwapper(FaceSwapper):
    @classmethod
    def from_registry(cls, models, name: str) -> HyperSwapper:
        return cls(models.session(name), HYPERSWAP_SPECS[name])

    def source_latent(self, embedding: np.ndarray) -> np.ndarray:
        return normalise(np.asarray(embedding, np.float32).reshape(1, -1)).astype(np.float32)
