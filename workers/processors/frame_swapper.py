"""The one per-frame face swap every job shape goes through (preview, image, video; single, multi)."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from workers.faces.analyser import Face, FaceAnalyser
from workers.faces.enhancer import GfpganEnhancer
from workers.faces.matching import FaceSelector
from workers.faces.swapper import InSwapper


class FrameSwapper:
    """Analyses a frame, lets the selector pick faces, swaps each with its source latent and
    optionally restores it with GFPGAN.

    The work is split into :meth:`analyse` (pure: may run ahead on another thread) and
    :meth:`apply` (in frame order, because the selector follows persons frame to frame).
    Faces whose key has no latent (a person without a source) are left untouched.
    """

    def __init__(self, analyser: FaceAnalyser, swapper: InSwapper, selector: FaceSelector,
                 latents: Mapping[str, np.ndarray], enhancer: GfpganEnhancer | None = None) -> None:
        self.analyser = analyser
        self.swapper = swapper
        self.selector = selector
        self.latents = dict(latents)
        self.enhancer = enhancer
        self.frames_with_faces = 0
        self.faces_swapped = 0

    def analyse(self, frame: np.ndarray) -> list[Face]:
        return self.analyser.analyse(frame, embed=self.selector.needs_identity)

    def apply(self, frame: np.ndarray, faces: list[Face]) -> np.ndarray:
        """Swaps the selected faces of ``frame`` in place and returns it."""
        if faces:
            self.frames_with_faces += 1
        for face, key in self.selector.select(faces, frame.shape):
            latent = self.latents.get(key)
            if latent is None:
                continue
            self.swapper.swap(frame, face, latent)
            if self.enhancer is not None:
                self.enhancer.enhance(frame, face)
            self.faces_swapped += 1
        return frame

    def process(self, frame: np.ndarray) -> np.ndarray:
        return self.apply(frame, self.analyse(frame))
