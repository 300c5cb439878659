"""Image restore: `face_enhance` restores every face with GFPGAN and leaves the rest;
`restore` cleans up the whole photo (workers.imaging.photo_restorer) and then restores the faces."""
from __future__ import annotations

import numpy as np

from workers.choices import RESTORE_MODES
from workers.imaging.photo_restorer import PhotoRestorer
from workers.pipelines.context import PipelineError
from workers.pipelines.faceswap import enhance_faces

NO_FACE = ("No face was found in the image, so face_enhance has nothing to do; use mode=restore "
           "for a photo without faces.")


def restore_image(models, image: np.ndarray, *, mode: str) -> tuple[np.ndarray, int]:
    """Returns (restored image, faces restored)."""
    if mode not in RESTORE_MODES:
        raise PipelineError(f"mode must be one of {', '.join(RESTORE_MODES)}.")
    if mode == "restore":
        image = PhotoRestorer().restore(image)
    restored, faces = enhance_faces(models, image)
    if mode == "face_enhance" and faces == 0:
        raise PipelineError(NO_FACE)
    return restored, faces
