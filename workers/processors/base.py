"""What every per-frame processor sees: one selected face of one frame, and the crop in flight.

A job's :class:`~workers.processors.frame_swapper.FrameSwapper` runs an ordered list of
processors on each face it selected. Crop processors (swap, colour match, masks) work on the
aligned crop the swap produced, before it is pasted; the paste processor blends it into the
frame; frame processors after it (enhance) work on the frame itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the web process reads the processors' declarations without numpy or OpenCV
    import numpy as np

    from workers.faces.analyser import Face


@dataclass
class FaceCrop:
    """A processed face on its way back into the frame.

    ``swapped`` and ``original`` are ``size`` x ``size`` BGR crops aligned by ``matrix``
    (image -> crop); ``mask`` is the float32 blend weight of each crop pixel (1 = swapped face,
    0 = the frame as it was); ``keypoints`` are the face's five points in crop pixels.
    """

    swapped: np.ndarray
    original: np.ndarray
    matrix: np.ndarray
    mask: np.ndarray
    keypoints: np.ndarray

    @property
    def size(self) -> int:
        return int(self.swapped.shape[0])


@dataclass
class FaceTarget:
    """One face of a frame chosen for a source: ``latent`` is that source's identity."""

    face: Face
    key: str
    latent: np.ndarray
    crop: FaceCrop | None = None


class FaceProcessor(Protocol):
    """One step of the chain; changes ``target.crop`` or ``frame`` in place."""

    name: str

    def process(self, frame: np.ndarray, target: FaceTarget) -> None:
        ...
