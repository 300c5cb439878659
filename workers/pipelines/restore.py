"""Image restore: `face_enhance` restores every face with the chosen enhancer and leaves the
rest; `restore` works on the whole photo first (colourised with DDColor when asked, then the
classical cleanup of workers.imaging.photo_restorer, or Real-ESRGAN x2 / x4 with `upscale`) and
then restores the faces."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from workers.choices import RestoreMode, Upscale
from workers.imaging.colorizer import Colorizer
from workers.imaging.photo_restorer import PhotoRestorer
from workers.imaging.upscaler import FrameUpscaler
from workers.model_zoo.names import COLORIZER_MODEL, DETECTOR_MODEL, UPSCALER_X2_MODEL, UPSCALER_X4_MODEL
from workers.options import options_parse, required_models
from workers.pipelines.context import PipelineError
from workers.pipelines.faceswap import enhance_faces
from workers.pipelines.options import MAX_OUTPUT_PIXELS, RestoreOptions, restore_output_check

NO_FACE = ("No face was found in the image, so face_enhance has nothing to do; use mode=restore "
           "for a photo without faces.")
UPSCALER_MODELS = {Upscale.X2: UPSCALER_X2_MODEL, Upscale.X4: UPSCALER_X4_MODEL}
@dataclass(frozen=True)
class RestoreResult:
    image: np.ndarray
    faces_restored: int


def restore_image(models, image: np.ndarray, options: RestoreOptions | Mapping[str, Any], *,
                  max_output_pixels: int = MAX_OUTPUT_PIXELS) -> RestoreResult:
    """The restored copy of ``image`` and how many faces were restored. Every model the options
    need is required before any work (a missing one: ModelUnavailable naming it)."""
    options = options_parse(RestoreOptions, options)
    models.require([DETECTOR_MODEL, *required_models(options)])
    if options.mode is RestoreMode.RESTORE:
        restore_output_check(pixels=image.shape[0] * image.shape[1], options=options, max_pixels=max_output_pixels)
        if options.colorize:  # before upscaling: DDColor sees 256 px whatever the size
            image = Colorizer(models.session(COLORIZER_MODEL)).colorize(image)
        if not options.upscale.model_based:  # the classical cleanup; upscale=1 keeps the size
            image = PhotoRestorer(max_upscale=1.0 if options.upscale is Upscale.X1 else 2.0).restore(image)
        else:
            image = FrameUpscaler(models.session(UPSCALER_MODELS[options.upscale]),
                                  options.upscale.factor).upscale(image)
    restored, faces = enhance_faces(models, image, model=options.enhance_model, fidelity=options.codeformer_fidelity)
    if options.mode is RestoreMode.FACE_ENHANCE and faces == 0:
        raise PipelineError(NO_FACE)
    return RestoreResult(restored, faces)
