"""The one per-frame face swap every job shape goes through (preview, image, video; single, multi)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from workers.faces.analyser import Face, FaceAnalyser
from workers.faces.matching import FaceSelector
from workers.faces.stability import FaceStabiliser
from workers.processors.base import FaceProcessor, FaceTarget


class FrameSwapper:
    """Analyses a frame, lets the selector pick faces, and runs the job's processors (swap,
    masks, colour match, paste, enhance, ... see ``chain``) on each picked face, in order.

    The work is split into :meth:`analyse` (pure: may run ahead on another thread) and
    :meth:`apply` / :meth:`stream` (in frame order, because the selector follows persons frame
    to frame). Faces whose key has no latent (a person without a source) are left untouched.
    With a stabiliser, :meth:`stream` hands frames on a few frames late, with gaps filled and
    keypoints smoothed.
    """

    def __init__(self, analyser: FaceAnalyser, selector: FaceSelector, latents: Mapping[str, np.ndarray],
                 processors: Sequence[FaceProcessor], stabiliser: FaceStabiliser | None = None) -> None:
        self.analyser = analyser
        self.selector = selector
        self.latents = dict(latents)
        self.processors = list(processors)
        self.stabiliser = stabiliser
        self.frames_with_faces = 0
        self.faces_swapped = 0

    @property
    def processor_names(self) -> list[str]:
        return [processor.name for processor in self.processors]

    def analyse(self, frame: np.ndarray) -> list[Face]:
        return self.analyser.analyse(frame, embed=self.selector.needs_identity)

    def _select(self, frame: np.ndarray, faces: list[Face], counted: bool = True) -> list[tuple[Face, str]]:
        if faces and counted:
            self.frames_with_faces += 1
        return [(face, key) for face, key in self.selector.select(faces, frame.shape) if key in self.latents]

    def _process(self, frame: np.ndarray, selections: Iterable[tuple[Face, str]]) -> np.ndarray:
        for face, key in selections:
            target = FaceTarget(face=face, key=key, latent=self.latents[key])
            for processor in self.processors:
                processor.process(frame, target)
            self.faces_swapped += 1
        return frame

    def apply(self, frame: np.ndarray, faces: list[Face]) -> np.ndarray:
        """Swaps the selected faces of ``frame`` in place and returns it (no stabiliser: stills)."""
        return self._process(frame, self._select(frame, faces))

    def process(self, frame: np.ndarray) -> np.ndarray:
        return self.apply(frame, self.analyse(frame))

    def stream(self, analysed: Iterable[tuple[np.ndarray, list[Face]]], keep: range | None = None
               ) -> Iterator[np.ndarray]:
        """The swapped frames of a video, in order (``analysed``: (frame, its faces) pairs). With
        ``keep`` (a part of a split job), only the frames of those indices are swapped, counted and
        yielded; the others still pass through the selector and the stabiliser, whose state they
        warm up (before) or complete (after: the gaps they fill)."""
        def wanted(index: int) -> bool:
            return keep is None or index in keep

        emitted = 0
        for index, (frame, faces) in enumerate(analysed):
            selections = self._select(frame, faces, counted=wanted(index))
            if self.stabiliser is None:
                if wanted(index):
                    yield self._process(frame, selections)
                continue
            for ready, ready_selections in self.stabiliser.push(frame, selections):
                emitted += 1
                if wanted(emitted - 1):
                    yield self._process(ready, ready_selections)
        if self.stabiliser is not None:
            for ready, ready_selections in self.stabiliser.flush():
                emitted += 1
                if wanted(emitted - 1):
                    yield self._process(ready, ready_selections)
