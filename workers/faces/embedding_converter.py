"""FaceFusion's CrossFace embedding converters: a w600k_r50 ArcFace embedding -> the embedding of
the ArcFace a swapper was trained with (GHOST's, SimSwap's). The net L2-normalises its input
first (facefusion-labs crossface/src/models/crossface.py: ``normalize(input)`` then an MLP), so
feeding our unit embeddings gives exactly what FaceFusion's raw ones give."""
from __future__ import annotations

import numpy as np


class EmbeddingConverter:
    """``input`` [1,512] -> ``output`` [1,512] (not normalised)."""

    def __init__(self, session) -> None:
        self.session = session
        self.input_name = session.get_inputs()[0].name

    @classmethod
    def from_registry(cls, models, name: str) -> EmbeddingConverter:
        return cls(models.session(name))

    def convert(self, embedding: np.ndarray) -> np.ndarray:
        feed = np.ascontiguousarray(np.asarray(embedding, np.float32).reshape(1, -1))
        return np.asarray(self.session.run(None, {self.input_name: feed})[0], np.float32).reshape(1, -1)
