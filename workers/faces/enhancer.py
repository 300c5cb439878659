"""The face enhancer interface, and GFPGAN v1.4 behind it.

Every enhancer restores one face the same way: align the face onto its model's template at its
model's size, turn the crop into the model's input, run it, turn the output back into a BGR
crop and paste it back inside the face's box. What differs per model family (template, size,
normalisation, extra inputs such as CodeFormer's fidelity weight) is a subclass, one module per
family (``gfpgan`` here, ``codeformer``, ``gpen``, ``restoreformer``); ``enhancers.py`` picks
one by the ``enhance_model`` option.
"""
from __future__ import annotations

import numpy as np

from workers.faces.align import FFHQ_ALIGNER, FaceAligner
from workers.faces.analyser import Face
from workers.faces.paste import FacePaster
from workers.faces.warp import BILINEAR
from workers.model_zoo.names import ENHANCER_MODEL  # noqa: F401 (re-exported)


def signed_blob(crop: np.ndarray) -> np.ndarray:
    """A BGR uint8 crop as the [1,3,H,W] RGB float32 in [-1, 1] the face restorers take
    (GFPGAN, CodeFormer, GPEN, RestoreFormer++ are all trained on (x / 255 - 0.5) / 0.5)."""
    blob = crop[:, :, ::-1].astype(np.float32) / 127.5 - 1.0
    return np.ascontiguousarray(blob.transpose(2, 0, 1)[None])


def signed_output(output: np.ndarray) -> np.ndarray:
    """A [3,H,W] RGB output in [-1, 1] as a BGR uint8 crop (clipped, rounded half up)."""
    restored = np.clip((output.transpose(1, 2, 0) + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(restored[:, :, ::-1])


class FaceEnhancer:
    """Restores one face in a frame: ``aligner`` (template and size), the model's ``session``;
    subclasses change :meth:`feeds` (the model's inputs) or the conversions."""

    def __init__(self, session, aligner: FaceAligner) -> None:
        self.session = session
        self.aligner = aligner
        self.input_name = session.get_inputs()[0].name
        # the swap's texture warps (workers.faces.warp) were measured for swap crops only: the
        # enhancer pastes as it always did
        self.paster = FacePaster(aligner.size, interpolation=BILINEAR)

    def feeds(self, crop: np.ndarray) -> dict[str, np.ndarray]:
        return {self.input_name: signed_blob(crop)}

    def restore_crop(self, image: np.ndarray, face: Face) -> tuple[np.ndarray, np.ndarray]:
        """(the restored aligned crop, the 2x3 matrix from image to crop coordinates)."""
        crop, matrix = self.aligner.crop(image, face.keypoints)
        output = self.session.run(None, self.feeds(crop))[0][0]
        return signed_output(output), matrix

    def enhance(self, frame: np.ndarray, face: Face) -> None:
        """Restores ``face`` in ``frame`` in place."""
        restored, matrix = self.restore_crop(frame, face)
        self.paster.paste(frame, restored, matrix, face.pixel_box(frame.shape))


class GfpganEnhancer(FaceEnhancer):
    """GFPGAN v1.4: FFHQ-aligned 512 crop, RGB in [-1,1] -> GFPGAN -> feathered paste."""

    def __init__(self, session) -> None:
        super().__init__(session, FFHQ_ALIGNER)

    @classmethod
    def from_registry(cls, models) -> GfpganEnhancer:
        return cls(models.session(ENHANCER_MODEL))
