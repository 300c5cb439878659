"""GPEN blind face restoration (Yang et al. 2021), BFR 256 / 512 / 1024.

Input ``input`` [1,3,S,S] RGB in [-1, 1], output the same (GPEN's own ``face_gan.py``:
``/255``, ``(x - 0.5) / 0.5``, RGB; back with ``* 0.5 + 0.5``). The crop: FaceFusion aligns the
512 and 1024 models on the FFHQ template scaled to their size, and the 256 model on the ArcFace
128 template (its normalised points times 256), which frames the face tighter.
"""
from __future__ import annotations

import numpy as np

from workers.faces.align import FFHQ_512, FaceAligner
from workers.faces.enhancer import FaceEnhancer

# FaceFusion face_helper.WARP_TEMPLATE_SET['arcface_128'] (points as fractions of the crop).
ARCFACE_128_UNIT = np.array(
    [[0.36167656, 0.40387734], [0.63696719, 0.40235469], [0.50019687, 0.56044219],
     [0.38710391, 0.72160547], [0.61507734, 0.72034453]], dtype=np.float64)


def gpen_aligner(size: int) -> FaceAligner:
    template = ARCFACE_128_UNIT * size if size == 256 else FFHQ_512 * (size / 512)
    return FaceAligner(template, size)


GPEN_ALIGNERS = {size: gpen_aligner(size) for size in (256, 512, 1024)}


class GpenEnhancer(FaceEnhancer):
    def __init__(self, session, *, size: int) -> None:
        super().__init__(session, GPEN_ALIGNERS[size])
