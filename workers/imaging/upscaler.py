"""Whole-photo super-resolution with Real-ESRGAN (x2 / x4 ONNX), tiled.

The model runs on fixed ``tile`` x ``tile`` pieces of the photo (FaceFusion feeds Real-ESRGAN
256 px tiles), so memory stays bounded whatever the photo's size: one tile's tensors plus the
output image. Each tile carries ``margin`` pixels of its neighbours on every side (the photo's
own edges are mirrored); only the tile's core goes into the output, so every output pixel was
computed with at least ``margin`` input pixels of real context around it and neighbouring cores
meet without a seam (for a model whose receptive field fits in the margin the tiled result is
exactly the whole-photo result: tests/workers/imaging/test_upscaler.py).

In and out as Real-ESRGAN's own inference (``realesrgan/utils.py``): RGB float in [0, 1], NCHW;
the output clamped to [0, 1], times 255, rounded (FaceFusion's frame_enhancer truncates instead).
"""
from __future__ import annotations

import cv2
import numpy as np

TILE = 256
MARGIN = 16


def rgb_blob(tile: np.ndarray) -> np.ndarray:
    """A BGR uint8 tile as Real-ESRGAN's [1,3,H,W] RGB float32 in [0, 1]."""
    return np.ascontiguousarray(tile[:, :, ::-1].transpose(2, 0, 1)[None], dtype=np.float32) / np.float32(255.0)


def rgb_output(output: np.ndarray) -> np.ndarray:
    """A [3,H,W] RGB output in [0, 1] as a BGR uint8 image."""
    image = np.clip(output.transpose(1, 2, 0), 0.0, 1.0) * 255.0
    return np.ascontiguousarray(np.rint(image).astype(np.uint8)[:, :, ::-1])


class FrameUpscaler:
    """Upscales a whole BGR photo by ``scale`` with ``session`` (a Real-ESRGAN x``scale``)."""

    def __init__(self, session, scale: int, *, tile: int = TILE, margin: int = MARGIN) -> None:
        if tile <= 2 * margin:
            raise ValueError(f"a tile of {tile} px can't hold two margins of {margin} px")
        self.session = session
        self.scale = scale
        self.tile = tile
        self.margin = margin
        self.input_name = session.get_inputs()[0].name

    def run_tile(self, tile: np.ndarray) -> np.ndarray:
        return rgb_output(self.session.run(None, {self.input_name: rgb_blob(tile)})[0][0])

    def upscale(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        core, margin, scale = self.tile - 2 * self.margin, self.margin, self.scale
        # Mirror the margin around the photo, and enough below/right that the last tile is whole.
        padded = cv2.copyMakeBorder(image, margin, margin + (-height) % core, margin, margin + (-width) % core,
                                    cv2.BORDER_REFLECT_101)
        output = np.empty((height * scale, width * scale, 3), np.uint8)
        for top in range(0, height, core):
            for left in range(0, width, core):
                result = self.run_tile(padded[top:top + self.tile, left:left + self.tile])
                rows, columns = min(core, height - top), min(core, width - left)
                output[top * scale:(top + rows) * scale, left * scale:(left + columns) * scale] = result[
                    margin * scale:(margin + rows) * scale, margin * scale:(margin + columns) * scale]
        return output
