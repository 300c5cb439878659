"""Colourises a black-and-white photo with DDColor (ONNX, FaceFusion's export).

The model sees only the photo's lightness: the grey image's L channel (Lab) with zero a/b,
back in RGB, resized to 256 x 256, RGB float in [0, 1] NCHW (``input``). It answers the a/b
channels ([1,2,256,256], Lab units); they are resized to the photo's size and joined to the
photo's own full-resolution L, so detail and tones stay the photo's and only colour is added
(FaceFusion's frame_colorizer, ``ddcolor`` type). A colour photo is read as its grey version:
its own colours are replaced.
"""
from __future__ import annotations

import cv2
import numpy as np

SIZE = 256


def lightness(image: np.ndarray) -> np.ndarray:
    """The L channel (float32, 0..100) of a BGR uint8 image."""
    return cv2.cvtColor(image.astype(np.float32) / 255.0, cv2.COLOR_BGR2LAB)[:, :, :1]


def ddcolor_blob(image: np.ndarray, size: int = SIZE) -> np.ndarray:
    grey = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2RGB).astype(np.float32) / 255.0
    lab_l = cv2.cvtColor(grey, cv2.COLOR_RGB2LAB)[:, :, :1]
    rgb = cv2.cvtColor(np.concatenate((lab_l, np.zeros_like(lab_l), np.zeros_like(lab_l)), axis=-1),
                       cv2.COLOR_LAB2RGB)
    rgb = cv2.resize(rgb, (size, size))
    return np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32)


def merge_ab(image: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """The photo's L with the model's a/b ([2,h,w]) resized onto it, as BGR uint8."""
    height, width = image.shape[:2]
    ab = cv2.resize(np.ascontiguousarray(ab.transpose(1, 2, 0), dtype=np.float32), (width, height))
    lab = np.concatenate((lightness(image), ab), axis=-1)
    bgr = cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)
    # Lab colours outside the sRGB gamut come back a little outside [0, 1]: clip before the cast.
    return np.rint(np.clip(bgr, 0.0, 1.0) * 255.0).astype(np.uint8)


class Colorizer:
    def __init__(self, session, *, size: int = SIZE) -> None:
        self.session = session
        self.size = size
        self.input_name = session.get_inputs()[0].name

    def colorize(self, image: np.ndarray) -> np.ndarray:
        ab = self.session.run(None, {self.input_name: ddcolor_blob(image, self.size)})[0][0]
        return merge_ab(image, ab)
