"""Whole-photo cleanup for `restore` mode, with dependable classical OpenCV methods:

1. Upscale small photos (shorter side under `min_short_side`) with Lanczos, at most 2x, so faces
   and detail have pixels to work with; large photos keep their size.
2. Denoise with non-local means on the luma/chroma planes (strength scaled to the measured noise).
3. Fix faded colour: grey-world white balance, then CLAHE on the L channel of Lab for contrast.
4. Mild unsharp mask to restore edge crispness lost to denoising.

The aspect ratio is always kept (both sides scaled by the same factor, rounded).
"""
from __future__ import annotations

import cv2
import numpy as np


class PhotoRestorer:
    def __init__(self, *, min_short_side: int = 1024, max_upscale: float = 2.0,
                 sharpen_amount: float = 0.6, clahe_clip: float = 1.6) -> None:
        self.min_short_side = min_short_side
        self.max_upscale = max_upscale
        self.sharpen_amount = sharpen_amount
        self.clahe_clip = clahe_clip

    def upscale_factor(self, width: int, height: int) -> float:
        short = min(width, height)
        if short >= self.min_short_side:
            return 1.0
        return min(self.max_upscale, self.min_short_side / short)

    def upscale(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        factor = self.upscale_factor(width, height)
        if factor <= 1.0:
            return image
        size = (round(width * factor), round(height * factor))
        return cv2.resize(image, size, interpolation=cv2.INTER_LANCZOS4)

    @staticmethod
    def noise_sigma(image: np.ndarray) -> float:
        """A robust noise estimate: median absolute Laplacian of the grey image (Immerkaer-style)."""
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
        laplacian = cv2.Laplacian(grey, cv2.CV_32F)
        return float(np.median(np.abs(laplacian)) * 1.4826 / 4.0)

    def denoise(self, image: np.ndarray) -> np.ndarray:
        strength = float(np.clip(self.noise_sigma(image) * 1.2, 3.0, 12.0))
        return cv2.fastNlMeansDenoisingColored(image, None, strength, strength, 7, 21)

    @staticmethod
    def white_balance(image: np.ndarray) -> np.ndarray:
        """Grey-world balance, applied half-way so deliberate colour casts aren't erased."""
        means = image.reshape(-1, 3).mean(axis=0)
        gains = means.mean() / np.maximum(means, 1.0)
        gains = 1.0 + (gains - 1.0) * 0.5
        return np.clip(image.astype(np.float32) * gains, 0, 255).astype(np.uint8)

    def contrast(self, image: np.ndarray) -> np.ndarray:
        lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB)
        clahe = cv2.createCLAHE(clipLimit=self.clahe_clip, tileGridSize=(8, 8))
        lab[:, :, 0] = clahe.apply(lab[:, :, 0])
        return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)

    def sharpen(self, image: np.ndarray) -> np.ndarray:
        blurred = cv2.GaussianBlur(image, (0, 0), sigmaX=1.2)
        return cv2.addWeighted(image, 1 + self.sharpen_amount, blurred, -self.sharpen_amount, 0)

    def restore(self, image: np.ndarray) -> np.ndarray:
        result = self.upscale(image)
        result = self.denoise(result)
        result = self.white_balance(result)
        result = self.contrast(result)
        return self.sharpen(result)
