"""CodeFormer (Zhou et al. 2022): FFHQ-aligned 512 crop in [-1, 1] plus its fidelity weight.

The ONNX export FaceFusion publishes takes ``input`` [1,3,512,512] and ``weight`` [1] as a
float64 (``w``: 0 favours quality, 1 fidelity to the input face), and answers [1,3,512,512] in
[-1, 1]: the same crop, normalisation and template as GFPGAN, only the weight is new.
"""
from __future__ import annotations

import numpy as np

from workers.choices import CODEFORMER_FIDELITY_DEFAULT
from workers.faces.align import FFHQ_ALIGNER
from workers.faces.enhancer import FaceEnhancer, signed_blob


class CodeFormerEnhancer(FaceEnhancer):
    def __init__(self, session, *, fidelity: float = CODEFORMER_FIDELITY_DEFAULT) -> None:
        super().__init__(session, FFHQ_ALIGNER)
        if not 0.0 <= fidelity <= 1.0:
            raise ValueError(f"CodeFormer's fidelity weight is in [0, 1], got {fidelity}")
        # The weight's input name and type come from the graph; float64 is what the export declares.
        self.weight_name = next((item.name for item in session.get_inputs() if item.name == "weight"), None)
        self.weight = np.array([fidelity], dtype=np.float64)

    def feeds(self, crop: np.ndarray) -> dict[str, np.ndarray]:
        feeds = {self.input_name: signed_blob(crop)}
        if self.weight_name is not None:
            feeds[self.weight_name] = self.weight
        return feeds
