"""Image restore: `face_enhance` restores every face with GFPGAN and leaves the rest;
`restore` cleans up the whole photo (workers.imaging.photo_restorer) and then restores the faces."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from workers.choices import RestoreMode
from workers.imaging.photo_restorer import PhotoRestorer
from workers.options import options_parse
from workers.pipelines.context import PipelineError
from workers.pipelines.faceswap import enhance_faces
from workers.pipelines.options import RestoreOptions

NO_FACE = ("No face was found in the image, so face_enhance has nothing to do; use mode=restore "
           "for a photo without faces.")


@dataclass(frozen=True)
class RestoreResult:
    image: np.ndarray
    faces_restored: int


def restore_image(models, image: np.ndarray, options: RestoreOptions | Mapping[str, Any]) -> RestoreResult:
    """The restored copy of ``image`` and how many faces were restored."""
    options = options_parse(RestoreOptions, options)
    if options.mode is RestoreMode.RESTORE:
        image = PhotoRestorer().restore(image)
    restored, faces = enhance_faces(models, image)
    if options.mode is RestoreMode.FACE_ENHANCE and faces == 0:
        raise PipelineError(NO_FACE)
    return RestoreResult(restored, faces)
