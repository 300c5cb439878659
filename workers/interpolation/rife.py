"""RIFE v4.x frame interpolation through ONNX Runtime (GPU when the registry is set up so).

The exported Practical-RIFE v4.x graphs take ``img0``, ``img1`` ([1,3,H,W] RGB in [0,1])
and ``timestep`` ([1]) and return ``output`` ([1,3,H,W]). v4 models are conditioned on the
time step, so 4x and 8x come from one model call per new frame, never from recursion
(which would compound errors and only give powers of two).

Frames are padded to the model's multiple (32 / scale: the flow network halves the picture
five times at scale 1) and cropped back afterwards. ``scale`` is RIFE's own option for large
frames (0.5 for 4K: the flow is estimated at half size); graphs that take it as an input get
it, graphs exported with a fixed scale are used as they are.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from workers.choices import Interpolator
from workers.errors import PipelineError
from workers.interpolation.base import FrameInterpolator

logger = logging.getLogger(__name__)

_IMAGE_INPUTS = ("img0", "img1")
_TIMESTEP_INPUT = "timestep"
_SCALE_INPUT = "scale"
BASE_MULTIPLE = 32
# Practical-RIFE's advice: scale 1 up to 1080p-class frames, 0.5 above (4K).
_HALF_SCALE_ABOVE_PIXELS = 2560 * 1440


def scale_for(width: int, height: int) -> float:
    """RIFE's ``scale`` for a frame size: 1.0, or 0.5 for frames larger than 1440p."""
    return 0.5 if width * height > _HALF_SCALE_ABOVE_PIXELS else 1.0


class RifeInterpolator(FrameInterpolator):
    """Runs a RIFE v4.x ONNX session on each (pair, time step)."""

    name = Interpolator.RIFE.value

    def __init__(self, session: Any, *, scale: float | None = None) -> None:
        inputs = {item.name: item for item in session.get_inputs()}
        missing = [name for name in (*_IMAGE_INPUTS, _TIMESTEP_INPUT) if name not in inputs]
        if missing:
            raise ValueError(
                f"the RIFE model lacks the input(s) {', '.join(missing)}; expected img0, img1 "
                f"[1,3,H,W] and timestep [1], got {', '.join(inputs)}"
            )
        self._session = session
        self._inputs = inputs
        self._output_name = session.get_outputs()[0].name
        # Half-precision exports want float16 inputs; everything else gets float32.
        self._dtype = np.float16 if "float16" in inputs["img0"].type else np.float32
        self._timestep_shape = self._static_shape(inputs[_TIMESTEP_INPUT].shape) or (1,)
        self._takes_scale = _SCALE_INPUT in inputs
        self._fixed_size = self._fixed_hw(inputs["img0"].shape)
        self.scale = scale
        self._warned_scale = False

    @staticmethod
    def _static_shape(shape: Sequence[Any]) -> tuple[int, ...] | None:
        if all(isinstance(side, int) and side > 0 for side in shape):
            return tuple(shape)
        return None

    @staticmethod
    def _fixed_hw(shape: Sequence[Any]) -> tuple[int, int] | None:
        if len(shape) == 4 and all(isinstance(side, int) and side > 0 for side in shape[2:]):
            return int(shape[2]), int(shape[3])
        return None

    def multiple(self, scale: float) -> int:
        """The size multiple the model needs at ``scale`` (32 at scale 1, 64 at 0.5)."""
        return int(round(BASE_MULTIPLE / min(1.0, scale)))

    def _padded_size(self, height: int, width: int, scale: float) -> tuple[int, int]:
        if self._fixed_size is not None:
            fixed_height, fixed_width = self._fixed_size
            if height > fixed_height or width > fixed_width:
                # The job's frame size (its video and quality) meets the server's model: the user can
                # pick a lower quality, the operator an export with dynamic height and width.
                raise PipelineError(
                    f"This server's slow-motion model takes frames up to {fixed_width}x{fixed_height}, and this "
                    f"video's are {width}x{height}; choose a lower quality.",
                    detail="a fixed-size RIFE export; use one with dynamic height and width")
            return fixed_height, fixed_width
        multiple = self.multiple(scale)
        return -(-height // multiple) * multiple, -(-width // multiple) * multiple

    def _tensor(self, frame: np.ndarray, padded: tuple[int, int]) -> np.ndarray:
        height, width = frame.shape[:2]
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        # Zero padding on the bottom/right, as Practical-RIFE's own inference does.
        rgb = cv2.copyMakeBorder(rgb, 0, padded[0] - height, 0, padded[1] - width,
                                 cv2.BORDER_CONSTANT, value=(0, 0, 0))
        tensor = rgb.transpose(2, 0, 1)[None].astype(np.float32) * (1.0 / 255.0)
        return np.ascontiguousarray(tensor, dtype=self._dtype)

    def _interpolate(
        self, frame0: np.ndarray, frame1: np.ndarray, timesteps: list[float]
    ) -> list[np.ndarray]:
        height, width = frame0.shape[:2]
        scale = self.scale if self.scale is not None else scale_for(width, height)
        if scale != 1.0 and not self._takes_scale and not self._warned_scale:
            logger.warning("RIFE model has a fixed scale; scale %.2f is not applied", scale)
            self._warned_scale = True
        padded = self._padded_size(height, width, scale)
        # The pair's tensors are built once and reused for every time step.
        feeds: dict[str, np.ndarray] = {
            "img0": self._tensor(frame0, padded),
            "img1": self._tensor(frame1, padded),
        }
        if self._takes_scale:
            scale_type = np.float16 if "float16" in self._inputs[_SCALE_INPUT].type else np.float32
            feeds[_SCALE_INPUT] = np.array([scale], dtype=scale_type)
        outputs = []
        for t in timesteps:
            feeds[_TIMESTEP_INPUT] = np.full(self._timestep_shape, t, dtype=self._dtype)
            result = self._session.run([self._output_name], feeds)[0]
            image = np.asarray(result[0, :, :height, :width], dtype=np.float32)
            image = np.clip(image.transpose(1, 2, 0) * 255.0 + 0.5, 0, 255).astype(np.uint8)
            outputs.append(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        return outputs
