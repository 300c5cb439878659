"""Frame interpolation behind one interface: two frames and time steps in, new frames out.

Every interpolator takes two BGR ``uint8`` frames of the same size and a list of time steps
``t`` strictly between 0 and 1 (0 = ``frame0``, 1 = ``frame1``) and returns one frame per
step, in order. Taking all the steps of a pair in one call lets an interpolator do its
per-pair work once (optical flow, padding the model's input) and produce 4x or 8x in one
pass instead of by recursion.

Implementations: :class:`CrossFadeInterpolator` (the baseline every other one must beat),
``workers.interpolation.flow.FlowInterpolator`` (dense optical flow, no weights) and
``workers.interpolation.rife.RifeInterpolator`` (RIFE v4.x ONNX).
"""
from __future__ import annotations

import abc
from collections.abc import Sequence

import cv2
import numpy as np

# The names a job may ask for (workers.choices), and what "auto" resolves to.


class FrameInterpolator(abc.ABC):
    """Makes the frames between two frames. Not thread-safe: one instance per job."""

    #: Short name recorded in the job ("rife", "flow", "crossfade").
    name: str = "base"

    def interpolate(
        self, frame0: np.ndarray, frame1: np.ndarray, timesteps: Sequence[float]
    ) -> list[np.ndarray]:
        """The frames at ``timesteps`` (each in (0, 1)) between ``frame0`` and ``frame1``."""
        if frame0.shape != frame1.shape or frame0.dtype != np.uint8 or frame0.ndim != 3:
            raise ValueError(
                f"frames must be two uint8 HxWx3 arrays of one size, got "
                f"{frame0.dtype}{frame0.shape} and {frame1.dtype}{frame1.shape}"
            )
        steps = [float(t) for t in timesteps]
        if any(not 0.0 < t < 1.0 for t in steps):
            raise ValueError(f"time steps must lie strictly between 0 and 1, got {steps}")
        if not steps:
            return []
        return self._interpolate(frame0, frame1, steps)

    @abc.abstractmethod
    def _interpolate(
        self, frame0: np.ndarray, frame1: np.ndarray, timesteps: list[float]
    ) -> list[np.ndarray]:
        """Checked inputs: same-size BGR uint8 frames and at least one step in (0, 1)."""


class CrossFadeInterpolator(FrameInterpolator):
    """Linear blend of the two frames: no motion at all, the baseline to beat.

    Also what near-identical frames get, where any motion model would only add cost.
    """

    name = "crossfade"

    def _interpolate(
        self, frame0: np.ndarray, frame1: np.ndarray, timesteps: list[float]
    ) -> list[np.ndarray]:
        return [cv2.addWeighted(frame0, 1.0 - t, frame1, t, 0.0) for t in timesteps]
