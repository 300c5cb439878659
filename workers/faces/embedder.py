"""ArcFace identity embeddings of aligned 112x112 face crops."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workers.faces.align import ARCFACE_ALIGNER


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (cosine similarity becomes a dot product)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class ArcFaceEmbedder:
    """Embeds faces with an ArcFace session (w600k_r50): ``[N,3,112,112]`` -> ``[N,512]``."""

    def __init__(self, session) -> None:
        self.session = session
        self.input_name = session.get_inputs()[0].name
        batch = session.get_inputs()[0].shape[0]
        # A model exported with a fixed batch of 1 is fed one face per run.
        self.batched = not isinstance(batch, int) or batch != 1

    def embed(self, image: np.ndarray, keypoints: Sequence[np.ndarray]) -> np.ndarray:
        """Raw (unnormalised) embeddings ``[N,512]`` of the faces at ``keypoints`` in BGR ``image``."""
        if not len(keypoints):
            return np.zeros((0, 512), np.float32)
        crops = np.stack([ARCFACE_ALIGNER.crop(image, points)[0] for points in keypoints])
        # RGB, (x - 127.5) / 127.5, NCHW: the normalisation ArcFace was trained with.
        blob = (crops[..., ::-1].astype(np.float32) - 127.5) / 127.5
        blob = np.ascontiguousarray(blob.transpose(0, 3, 1, 2))
        if self.batched:
            return self.session.run(None, {self.input_name: blob})[0].astype(np.float32)
        return np.concatenate([self.session.run(None, {self.input_name: blob[i:i + 1]})[0]
                               for i in range(len(blob))]).astype(np.float32)
