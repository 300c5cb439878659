"""GFPGAN v1.4 face restoration, pasted back inside each face's box."""
from __future__ import annotations

import numpy as np

from workers.faces.align import FFHQ_ALIGNER
from workers.faces.analyser import Face
from workers.faces.paste import FacePaster
from workers.faces.warp import BILINEAR
from workers.model_zoo.names import ENHANCER_MODEL  # noqa: F401 (re-exported)


class GfpganEnhancer:
    """Restores one face: FFHQ-aligned 512 crop, RGB in [-1,1] -> GFPGAN -> feathered paste."""

    def __init__(self, session) -> None:
        self.session = session
        self.input_name = session.get_inputs()[0].name
        # the swap's texture warps (workers.faces.warp) were measured for swap crops only: the
        # enhancer pastes as it always did
        self.paster = FacePaster(FFHQ_ALIGNER.size, interpolation=BILINEAR)

    @classmethod
    def from_registry(cls, models) -> GfpganEnhancer:
        return cls(models.session(ENHANCER_MODEL))

    def restore_crop(self, image: np.ndarray, face: Face) -> tuple[np.ndarray, np.ndarray]:
        crop, matrix = FFHQ_ALIGNER.crop(image, face.keypoints)
        blob = crop[:, :, ::-1].astype(np.float32) / 127.5 - 1.0
        blob = np.ascontiguousarray(blob.transpose(2, 0, 1)[None])
        output = self.session.run(None, {self.input_name: blob})[0][0]
        restored = np.clip((output.transpose(1, 2, 0) + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(restored[:, :, ::-1]), matrix

    def enhance(self, frame: np.ndarray, face: Face) -> None:
        """Restores ``face`` in ``frame`` in place."""
        restored, matrix = self.restore_crop(frame, face)
        self.paster.paste(frame, restored, matrix, face.pixel_box(frame.shape))
