"""Textured variants of real photos, for what the swap's warps do to fine texture (issue 22).

Shared by ``bench/bench_texture.py`` and the round-trip tests. Every variant is made at the
frame's own pixel scale (after the photo is rescaled to its face size), so the texture is as
fine as it is in a real picture of that size, and from a seed, so a run is reproducible:

* ``photo``: the photo as it is (a PNG round trip of the rescaled image).
* ``painting``: an oil-paint look over the photo (OpenCV's edge-preserving filter flattens
  colour areas and keeps edges; brush strokes of +-5 %: noise smeared along 9 px diagonals),
  then a canvas weave multiplied in: threads 4 px apart both ways, over and under (each
  thread's thickness varies), in relief of +-12 %, plus a little fibre noise.
* ``grain_light`` / ``grain_medium`` / ``grain_heavy``: film grain, signal dependent: gaussian
  noise of standard deviation 4 / 8 / 16 levels at mid grey (scaled by sqrt(4 v (1 - v)) of
  the pixel's value v in [0, 1], so it fades in the shadows and highlights), clumped over about
  a pixel, mostly luminance (80 %) with some colour (20 %).
* ``low_light``: the photo darkened to a quarter (two stops), photons counted (Poisson, 60
  photo-electrons at the darkened white), gaussian read noise of 1.5 levels, then brightened
  back x2 as a camera's gain would: a dim, noisy picture.
"""
from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

MATERIALS = ("photo", "painting", "grain_light", "grain_medium", "grain_heavy", "low_light")
GRAIN_SIGMAS = {"grain_light": 4.0, "grain_medium": 8.0, "grain_heavy": 16.0}


def _canvas_weave(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A multiplicative canvas relief around 1: threads every 4 px both ways."""
    period = 4.0
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    # each thread's own thickness (a slow random wobble along the weave)
    row_thickness = np.repeat(rng.uniform(0.7, 1.3, height // 4 + 2), 4)[:height, None].astype(np.float32)
    col_thickness = np.repeat(rng.uniform(0.7, 1.3, width // 4 + 2), 4)[None, :width].astype(np.float32)
    horizontal = np.cos(2 * np.pi * ys / period) * row_thickness
    vertical = np.cos(2 * np.pi * xs / period) * col_thickness
    # over-under: where a horizontal thread lies on top the vertical one is hidden, and back
    checker = np.sign(np.sin(np.pi * xs / period) * np.sin(np.pi * ys / period))
    relief = np.where(checker > 0, horizontal, vertical)
    fibres = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), 0.7)
    fibres /= max(float(fibres.std()), 1e-6)
    return 1.0 + 0.12 * (0.8 * relief + 0.2 * fibres)


def _brush_strokes(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Streaks of paint: noise smeared along a diagonal (a 9 px stroke), unit variance."""
    noise = rng.standard_normal((height, width)).astype(np.float32)
    kernel = np.eye(9, dtype=np.float32) / 9.0
    strokes = cv2.filter2D(noise, -1, kernel, borderType=cv2.BORDER_REFLECT)
    return strokes / max(float(strokes.std()), 1e-6)


def painting(image: np.ndarray, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    painted = cv2.edgePreservingFilter(image, flags=cv2.RECURS_FILTER, sigma_s=20, sigma_r=0.3).astype(np.float32)
    texture = (1.0 + 0.05 * _brush_strokes(height, width, rng)) * _canvas_weave(height, width, rng)
    return np.clip(painted * texture[..., None] + 0.5, 0, 255).astype(np.uint8)


def film_grain(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    value = image.astype(np.float32) / 255.0
    luminance = rng.standard_normal((height, width, 1)).astype(np.float32)
    colour = rng.standard_normal((height, width, 3)).astype(np.float32)
    grain = np.sqrt(0.8) * luminance + np.sqrt(0.2) * colour
    grain = cv2.GaussianBlur(grain, (0, 0), 0.6)
    grain /= max(float(grain.std()), 1e-6)
    strength = sigma * np.sqrt(np.clip(4.0 * value * (1.0 - value), 0.0, 1.0))
    return np.clip(image.astype(np.float32) + strength * grain + 0.5, 0, 255).astype(np.uint8)


def low_light(image: np.ndarray, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    full_well = 60.0  # photo-electrons at the darkened white
    value = image.astype(np.float64) / 255.0
    electrons = rng.poisson(value * full_well).astype(np.float64)
    signal = electrons / full_well * 0.25 * 255.0  # two stops under
    signal += rng.normal(0.0, 1.5, image.shape)
    return np.clip(signal * 2.0 + 0.5, 0, 255).astype(np.uint8)


def material(name: str, image: np.ndarray, seed: int = 0) -> np.ndarray:
    """``image`` (BGR uint8) with the texture ``name`` (see the module doc)."""
    makers: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
        "photo": lambda im, _seed: im.copy(),
        "painting": painting,
        "low_light": low_light,
        **{grain: (lambda im, s, sigma=sigma: film_grain(im, sigma, s)) for grain, sigma in GRAIN_SIGMAS.items()},
    }
    return makers[name](image, seed)


def high_pass(image: np.ndarray) -> np.ndarray:
    """The fine-texture band: the image less its gaussian blur (sigma 1.5 px), float32."""
    image = image.astype(np.float32)
    return image - cv2.GaussianBlur(image, (0, 0), 1.5)
