"""RestoreFormer++ (Wang et al. 2023): FFHQ-aligned 512 crop, RGB in [-1, 1] in and out, like
GFPGAN (FaceFusion's export: ``input`` [1,3,512,512] -> [1,3,512,512])."""
from __future__ import annotations

from workers.faces.align import FFHQ_ALIGNER
from workers.faces.enhancer import FaceEnhancer


class RestoreFormerEnhancer(FaceEnhancer):
    def __init__(self, session) -> None:
        super().__init__(session, FFHQ_ALIGNER)
