"""A classical frame interpolator that needs no weights: dense optical flow both ways.

For a pair of frames it estimates DIS optical flow from frame 0 to frame 1 and back, once.
For each time step ``t`` it then

1. inverts the flow at time ``t``: the pixel ``x`` of the new frame came from ``x + v0`` in
   frame 0 where ``v0 = -t * F01(x + v0)``, solved by a few fixed-point steps (exact for
   smooth motion such as pans and zooms, where scaling the flow at ``x`` alone is not);
2. warps both frames to time ``t`` with those flows;
3. blends them with occlusion-aware weights: a frame's weight drops where its source pixel
   lies outside the picture (content entering at the border), where the fixed point does not
   settle (nothing of that frame lands there: a disocclusion), and where its forward/backward
   flows disagree (the pixel is hidden in the other frame);
4. keeps the plain cross-fade wherever the two frames already agree better without motion
   compensation than with it (per region, or for the whole frame), and treats sub-half-pixel
   motion as none, so still regions are never softened by resampling.
"""
from __future__ import annotations

import cv2
import numpy as np

from workers.choices import Interpolator
from workers.interpolation.base import FrameInterpolator

# Flow is estimated on frames no larger than this (longer side); DIS works on a pyramid, so
# a 960x540 frame's flow at half size loses ~0.7 dB on a pan and runs ~1.5x faster
# (bench/bench_interpolation.py); 1080p frames gain even more.
DEFAULT_FLOW_MAX_SIDE = 480
DEFAULT_PRESET = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM
# Small frames (longer side at most _SMALL_FRAME_SIDE, e.g. 480x480 talking heads) are not
# downscaled by flow_max_side, and DIS then dominates the cost (~55% of a pair). Their flow
# is first estimated at _SMALL_MOTION_FLOW_SIDE; when the mean motion it finds is below
# _SMALL_MOTION_PIXELS (full-resolution px) that flow is kept (~2.7x faster per pair, same
# PSNR: such pairs mostly end as cross-fades), otherwise it is estimated again at
# _SMALL_FRAME_FLOW_SIDE (at most flow_max_side): larger motion loses up to ~1 dB a pair at
# 240 px, ~0.2 dB a clip at 360 (liveportrait_d3). Tuned on the test clips (bench/bench_interpolation.py).
_SMALL_FRAME_SIDE = 640
_SMALL_MOTION_FLOW_SIDE = 240
_SMALL_MOTION_PIXELS = 5.0
_SMALL_FRAME_FLOW_SIDE = 360
# Steps of the fixed-point flow inversion; 2 settle smooth motion to well under 0.1 px.
DEFAULT_INVERSION_STEPS = 2
# Softness, in full-resolution pixels, of the occlusion tests: an error of this size halves a weight (about).
FLOW_CONSISTENCY_SIGMA = 1.5
INVERSION_RESIDUAL_SIGMA = 0.75
# Unreliable flow is filled at 1/_FILL_DOWNSCALE size with a Gaussian of this sigma (coarse
# pixels), so gaps up to about 3 x 3 x 8 = 72 px wide are bridged by their neighbours.
_FILL_DOWNSCALE = 8
_FILL_SIGMA = 3.0
# Per-pixel matching errors are compared after a box blur of this size, to ignore noise.
_MATCH_WINDOW = (7, 7)
# A frame whose weight is below this share of the pair's total adds nothing: its warp is wrong.
_WEIGHT_FLOOR = 1e-3
# Motion at the new time below this many pixels is treated as none: resampling by a fraction
# of a pixel only blurs, and on near-still video (talking heads) that costs more than the
# motion gains. Tuned on the test clips (bench/bench_interpolation.py).
_SNAP_PIXELS = 0.5
# The cross-fade is kept where the unwarped frames mismatch by at most this many grey levels
# more than the warped ones (per pixel, window-averaged), and for the whole frame when they do
# on average by at most _FRAME_STATIC_MARGIN: compressed video's noise makes warps look a
# little better than they are.
_STATIC_MARGIN = 1.0
_FRAME_STATIC_MARGIN = 0.3


class _Grid:
    """Pixel coordinates (x, y) as an HxWx2 float32 array for one size, reused across pairs."""

    def __init__(self) -> None:
        self._grid = np.empty((0, 0, 2), np.float32)

    def get2(self, height: int, width: int) -> np.ndarray:
        if self._grid.shape[:2] != (height, width):
            xs, ys = np.meshgrid(np.arange(width, dtype=np.float32),
                                 np.arange(height, dtype=np.float32))
            self._grid = np.dstack([xs, ys])
        return self._grid


class FlowInterpolator(FrameInterpolator):
    """DIS optical flow both ways, fixed-point flow inversion, occlusion-aware blending.

    All flow work (estimation, repair, inversion, weights) runs at the flow resolution
    (longer side at most ``flow_max_side``); only the final warps and the blend touch the
    full-size frames, so a time step costs little more than two remaps.
    """

    name = Interpolator.FLOW.value

    def __init__(
        self,
        *,
        preset: int = DEFAULT_PRESET,
        flow_max_side: int = DEFAULT_FLOW_MAX_SIDE,
        inversion_steps: int = DEFAULT_INVERSION_STEPS,
        occlusion_aware: bool = True,
        keep_static: bool = True,
        adaptive_small: bool = True,
    ) -> None:
        self._dis = cv2.DISOpticalFlow_create(preset)
        self.flow_max_side = flow_max_side
        self.inversion_steps = inversion_steps
        self.occlusion_aware = occlusion_aware
        self.keep_static = keep_static
        self.adaptive_small = adaptive_small
        self._small_grid = _Grid()

    # ---- per pair -------------------------------------------------------------------------

    def flow_size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) the flow is estimated at for frames of ``width`` x ``height``."""
        scale = min(1.0, self.flow_max_side / max(height, width))
        return max(8, round(width * scale)), max(8, round(height * scale))

    def flows(self, frame0: np.ndarray, frame1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(F01, F10) at the flow resolution, in its pixels: HxWx2 float32.

        The flow resolution is :meth:`flow_size`'s, or smaller for a small frame with
        small motion (see ``_SMALL_MOTION_FLOW_SIDE``); callers read it off the result.
        """
        height, width = frame0.shape[:2]
        gray0 = cv2.cvtColor(frame0, cv2.COLOR_BGR2GRAY)
        gray1 = cv2.cvtColor(frame1, cv2.COLOR_BGR2GRAY)
        size = self.flow_size(width, height)
        if self.adaptive_small and max(height, width) <= _SMALL_FRAME_SIDE:
            scale = _SMALL_MOTION_FLOW_SIDE / max(height, width)
            small = max(8, round(width * scale)), max(8, round(height * scale))
            if small[0] < size[0]:
                small0 = cv2.resize(gray0, small, interpolation=cv2.INTER_AREA)
                small1 = cv2.resize(gray1, small, interpolation=cv2.INTER_AREA)
                forward = self._dis.calc(small0, small1, None)
                if float(_length(forward).mean()) < _SMALL_MOTION_PIXELS * scale:
                    return forward, self._dis.calc(small1, small0, None)
                scale = _SMALL_FRAME_FLOW_SIDE / max(height, width)
                if scale < 1.0:
                    size = min(size, (max(8, round(width * scale)),
                                      max(8, round(height * scale))))
        if size != (width, height):
            gray0 = cv2.resize(gray0, size, interpolation=cv2.INTER_AREA)
            gray1 = cv2.resize(gray1, size, interpolation=cv2.INTER_AREA)
        return self._dis.calc(gray0, gray1, None), self._dis.calc(gray1, gray0, None)

    @staticmethod
    def _sample(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray | None) -> np.ndarray:
        """Bilinear samples of ``image`` at (map_x, map_y), or at the HxWx2 ``map_x``."""
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def _consistency_error(self, flow: np.ndarray, other: np.ndarray) -> np.ndarray:
        """|F_ab(x) + F_ba(x + F_ab(x))|: large where x is hidden in the other frame."""
        back = self._sample(other, self._small_grid.get2(*flow.shape[:2]) + flow, None)
        return _length(flow + back)

    def _repair(self, forward: np.ndarray, backward: np.ndarray, sigma: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Fill unreliable flow from reliable neighbours; return flows and occlusion errors.

        Pixels that leave the picture (near the border in a pan) or get covered have no match
        in the other frame, so their flow is guesswork; motion is smooth enough that the
        flow of their reliable neighbours says where they went. The returned occlusion
        errors count only pixels whose repaired flow stays inside the picture: leaving the
        frame is not an occlusion, and warping from the other frame is caught by
        :meth:`_inside` instead.
        """
        height, width = forward.shape[:2]
        grid = self._small_grid.get2(height, width)
        error0 = self._consistency_error(forward, backward)
        error1 = self._consistency_error(backward, forward)
        forward = _fill(forward, np.exp(-np.square(error0 / sigma)))
        backward = _fill(backward, np.exp(-np.square(error1 / sigma)))
        low, high = (-0.5, -0.5), (width - 0.5, height - 0.5)
        error0[cv2.inRange(grid + forward, low, high) == 0] = 0.0
        error1[cv2.inRange(grid + backward, low, high) == 0] = 0.0
        return forward, backward, error0, error1

    def _invert(self, flow: np.ndarray, start: np.ndarray, fraction: float,
                snap_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Solve ``v = -fraction * flow(x + v)``; returns (x + v as HxWx2, residual in px).

        ``flow`` is a source frame's flow to the other frame; ``x + v`` is then where the
        pixel ``x`` of the frame at the new time comes from in the source frame.
        """
        grid = self._small_grid.get2(*flow.shape[:2])
        vector = start
        residual = np.zeros(flow.shape[:2], np.float32)
        for _ in range(max(1, self.inversion_steps)):
            new = self._sample(flow, grid + vector, None) * -fraction
            residual = _length(new - vector)
            vector = new
        # snap_scale converts the full-resolution threshold to flow pixels.
        vector[_length(vector) < _SNAP_PIXELS * snap_scale] = 0.0
        return grid + vector, residual

    # ---- per time step --------------------------------------------------------------------

    def _interpolate(
        self, frame0: np.ndarray, frame1: np.ndarray, timesteps: list[float]
    ) -> list[np.ndarray]:
        height, width = frame0.shape[:2]
        forward, backward = self.flows(frame0, frame1)
        small_height, small_width = forward.shape[:2]
        # Flow-resolution pixels per full-resolution pixel, per axis.
        to_small = np.array([small_width / width, small_height / height], np.float32)
        resized = (small_width, small_height) != (width, height)
        if self.occlusion_aware:
            forward, backward, hidden0, hidden1 = self._repair(
                forward, backward, FLOW_CONSISTENCY_SIGMA * float(to_small[0]))
        static_error = _match_error(frame0, frame1) if self.keep_static else None
        low, high = (-0.5, -0.5), (width - 0.5, height - 0.5)
        outputs = []
        for t in timesteps:
            # Start each inversion from the other direction's flow, already nearly right.
            source0, residual0 = self._invert(forward, backward * t, t, float(to_small[0]))
            source1, residual1 = self._invert(backward, forward * (1.0 - t), 1.0 - t,
                                              float(to_small[0]))
            confidence0 = confidence1 = None
            if self.occlusion_aware:
                consistency_scale = 1.0 / (FLOW_CONSISTENCY_SIGMA * float(to_small[0]))
                residual_scale = 1.0 / (INVERSION_RESIDUAL_SIGMA * float(to_small[0]))
                confidence0 = np.exp(
                    -np.square(self._sample(hidden0, source0, None) * consistency_scale)
                    - np.square(residual0 * residual_scale))
                confidence1 = np.exp(
                    -np.square(self._sample(hidden1, source1, None) * consistency_scale)
                    - np.square(residual1 * residual_scale))
            if resized:
                # Linear resizing maps pixel centres exactly: X = (x + 0.5) / k - 0.5.
                # Applied before resizing, where it is four times cheaper (it is affine).
                source0, source1 = (
                    cv2.resize(source / to_small + (0.5 / to_small - 0.5), (width, height),
                               interpolation=cv2.INTER_LINEAR)
                    for source in (source0, source1))
                if confidence0 is not None and confidence1 is not None:
                    confidence0 = cv2.resize(confidence0, (width, height),
                                             interpolation=cv2.INTER_LINEAR)
                    confidence1 = cv2.resize(confidence1, (width, height),
                                             interpolation=cv2.INTER_LINEAR)
            # uint8 warps and cv2.blendLinear keep the per-step cost low (8x makes 7 steps).
            warped0 = self._sample(frame0, source0, None)
            warped1 = self._sample(frame1, source1, None)
            inside0 = cv2.inRange(source0, low, high)
            inside1 = cv2.inRange(source1, low, high)
            if confidence0 is not None and confidence1 is not None:
                confidence0[inside0 == 0] = 0.0
                confidence1[inside1 == 0] = 0.0
                # The floor keeps the time weights where both frames look unreliable.
                weight0 = (confidence0 + _WEIGHT_FLOOR) * (1.0 - t)
                weight1 = (confidence1 + _WEIGHT_FLOOR) * t
            else:
                weight0 = np.full((height, width), 1.0 - t, np.float32)
                weight1 = np.full((height, width), t, np.float32)
            blend = cv2.blendLinear(warped0, warped1, weight0, weight1)
            if static_error is not None:
                # Where the unwarped frames match better than the warped ones, there is no
                # motion to compensate: the cross-fade is sharper there (no resampling).
                # Only where both warps are valid: at the border one of them is not, and
                # its replicated edge pixels would make the comparison meaningless.
                warp_error = _match_error(warped0, warped1)
                crossfade = cv2.addWeighted(frame0, 1.0 - t, frame1, t, 0.0)
                if float(static_error.mean()) <= float(warp_error.mean()) + _FRAME_STATIC_MARGIN:
                    outputs.append(crossfade)  # nothing moves enough to be worth a warp
                    continue
                use_static = ((static_error <= warp_error + _STATIC_MARGIN)
                              & (cv2.bitwise_and(inside0, inside1) > 0)).astype(np.float32)
                if use_static.any():
                    use_static = cv2.blur(use_static, (3, 3))
                    blend = cv2.blendLinear(blend, crossfade, 1.0 - use_static + 1e-6,
                                            use_static)
            outputs.append(blend)
        return outputs


def _length(vectors: np.ndarray) -> np.ndarray:
    return cv2.magnitude(vectors[..., 0], vectors[..., 1])


def _fill(flow: np.ndarray, reliability: np.ndarray) -> np.ndarray:
    """Normalised convolution: unreliable pixels take their reliable neighbours' flow."""
    height, width = flow.shape[:2]
    # A coarse grid is enough (flow is smooth) and keeps the wide blur cheap.
    small = (max(2, width // _FILL_DOWNSCALE), max(2, height // _FILL_DOWNSCALE))
    weight = cv2.resize(reliability, small, interpolation=cv2.INTER_AREA)
    weighted = cv2.resize(flow * reliability[..., None], small, interpolation=cv2.INTER_AREA)
    weight = cv2.GaussianBlur(weight, (0, 0), _FILL_SIGMA)
    weighted = cv2.GaussianBlur(weighted, (0, 0), _FILL_SIGMA)
    total = float(weight.sum())
    overall = weighted.reshape(-1, 2).sum(axis=0) / total if total > 1e-6 else np.zeros(2)
    # Where nothing reliable is near, fall back to the frame's average motion.
    filled = np.where(weight[..., None] > 1e-4,
                      weighted / np.maximum(weight, 1e-4)[..., None],
                      overall.astype(np.float32))
    filled = cv2.resize(filled.astype(np.float32), (width, height),
                        interpolation=cv2.INTER_LINEAR)
    return flow * reliability[..., None] + filled * (1.0 - reliability)[..., None]


def _match_error(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Local mismatch of two BGR frames: grey absolute difference, box-blurred (float32)."""
    difference = cv2.cvtColor(cv2.absdiff(first, second), cv2.COLOR_BGR2GRAY)
    return cv2.blur(difference.astype(np.float32), _MATCH_WINDOW)
