"""inswapper_128: replaces a target face's identity with a source identity."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from workers.faces.align import INSWAPPER_ALIGNER
from workers.faces.analyser import Face
from workers.faces.embedder import normalise
from workers.faces.paste import FacePaster
from workers.model_zoo.names import SWAPPER_MODEL  # noqa: F401 (re-exported)


class _EmapCache:
    """inswapper maps an ArcFace embedding into its own latent space with ``emap``, a matrix
    stored as the graph's last initializer. Reading it parses the whole (550 MB) protobuf,
    so it is read once per file per process."""

    def __init__(self) -> None:
        self._matrices: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> np.ndarray:
        key = str(Path(path).resolve())
        with self._lock:
            matrix = self._matrices.get(key)
            if matrix is None:
                model = onnx.load(key, load_external_data=False)
                matrix = numpy_helper.to_array(model.graph.initializer[-1]).astype(np.float32)
                del model
                if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
                    raise ValueError(f"{path}: last initializer is {matrix.shape}, not a square emap")
                self._matrices[key] = matrix
            return matrix


EMAP_CACHE = _EmapCache()


class InSwapper:
    """Swaps one face at a time: aligned 128 crop + source latent -> swapped crop, pasted back
    inside the face's box."""

    def __init__(self, session, emap: np.ndarray) -> None:
        self.session = session
        self.emap = emap
        inputs = session.get_inputs()
        # 'target' is the image input (4 dims), 'source' the latent; found by rank, not name.
        self.target_name = next(i.name for i in inputs if len(i.shape) == 4)
        self.source_name = next(i.name for i in inputs if len(i.shape) == 2)
        self.paster = FacePaster(INSWAPPER_ALIGNER.size)

    @classmethod
    def from_registry(cls, models) -> InSwapper:
        return cls(models.session(SWAPPER_MODEL), EMAP_CACHE.get(models.model_path(SWAPPER_MODEL)))

    def source_latent(self, embedding: np.ndarray) -> np.ndarray:
        """``[1,512]``: the unit embedding through emap, normalised again (computed once per job)."""
        latent = normalise(np.asarray(embedding, np.float32).reshape(1, -1)) @ self.emap
        return normalise(latent).astype(np.float32)

    def swap_aligned(self, crop: np.ndarray, latent: np.ndarray) -> np.ndarray:
        """One aligned 128x128 BGR crop through the model: the swapped 128x128 BGR crop."""
        blob = np.ascontiguousarray(crop[:, :, ::-1].transpose(2, 0, 1)[None], dtype=np.float32) / 255.0
        output = self.session.run(None, {self.target_name: blob, self.source_name: latent})[0]
        swapped = np.clip(output[0].transpose(1, 2, 0) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(swapped[:, :, ::-1])

    def swap_crop(self, image: np.ndarray, face: Face, latent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(swapped 128x128 BGR crop, the image -> crop matrix)."""
        crop, matrix = INSWAPPER_ALIGNER.crop(image, face.keypoints)
        return self.swap_aligned(crop, latent), matrix

    def swap(self, frame: np.ndarray, face: Face, latent: np.ndarray) -> None:
        """Replaces ``face`` in ``frame`` (in place) with the identity of ``latent``."""
        swapped, matrix = self.swap_crop(frame, face, latent)
        self.paster.paste(frame, swapped, matrix, face.pixel_box(frame.shape))
