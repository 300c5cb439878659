"""The inswapper family (inswapper_128): replaces a target face's identity with a source identity."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from workers.faces.align import ARCFACE_128_UNIT
from workers.faces.embedder import normalise
from workers.faces.swapper_base import FaceSwapper, SwapperSpec, unit_points
from workers.model_zoo.names import SWAPPER_MODEL


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


INSWAPPER_SPEC = SwapperSpec(name=SWAPPER_MODEL, template_unit=unit_points(ARCFACE_128_UNIT), size=128)


class InSwapper(FaceSwapper):
    """inswapper_128: RGB in [0, 1] in and out; the latent is the unit embedding through emap,
    normalised again (InsightFace's INSwapper.get)."""

    def __init__(self, session, emap: np.ndarray) -> None:
        super().__init__(session, INSWAPPER_SPEC)
        self.emap = emap

    @classmethod
    def from_registry(cls, models) -> InSwapper:
        return cls(models.session(SWAPPER_MODEL), EMAP_CACHE.get(models.model_path(SWAPPER_MODEL)))

    def source_latent(self, embedding: np.ndarray) -> np.ndarray:
        """``[1,512]``: the unit embedding through emap, normalised again (computed once per job)."""
        latent = normalise(np.asarray(embedding, np.float32).reshape(1, -1)) @ self.emap
        return normalise(latent).astype(np.float32)
