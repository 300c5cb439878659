"""Blend masks of an aligned face crop: the feathered box, the mouth, the XSeg occluder and the
BiSeNet face parser. Every mask is float32, crop-sized, 1 where the swapped face shows."""
from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from workers.choices import FACE_MASK_BLUR_DEFAULT, FACE_MASK_PADDING_DEFAULT
from workers.faces.paste import edge_ramp
from workers.model_zoo.names import OCCLUDER_MODEL, PARSER_MODEL  # noqa: F401 (re-exported)

# The box mask's feather is this share of the crop side per unit of face_mask_blur; with the
# defaults (blur 0.3, padding 8 %) the box mask is exactly the paste mask used before masks
# were selectable (8 % inset, 12 % fade).
BLUR_TO_FADE = 0.4
DEFAULT_BLUR = FACE_MASK_BLUR_DEFAULT
DEFAULT_PADDING = FACE_MASK_PADDING_DEFAULT
# BiSeNet (CelebAMask-HQ labels): the classes that make the face the swap should cover.
PARSER_FACE_CLASSES = {"skin": 1, "left-eyebrow": 2, "right-eyebrow": 3, "left-eye": 4, "right-eye": 5,
                       "nose": 10, "mouth": 11, "upper-lip": 12, "lower-lip": 13}
_IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def box_mask(size: int, *, blur: float = DEFAULT_BLUR, padding: int = DEFAULT_PADDING) -> np.ndarray:
    """0 within ``padding`` % of the crop's border, rising to 1 over ``blur`` x 40 % of its side."""
    return edge_ramp(size, size, inset=padding / 100.0, fade=blur * BLUR_TO_FADE)


def feather(mask: np.ndarray, *, blur: float, size: int) -> np.ndarray:
    """Softens a hard 0/1 mask's edge (sigma grows with ``blur`` and the crop size), keeping its
    core: the mask is eroded by the blur radius first, so blurring never spills outside it."""
    sigma = blur * size * 0.05
    if sigma < 0.5:
        return mask.astype(np.float32)
    radius = int(np.ceil(2 * sigma))
    eroded = cv2.erode(mask.astype(np.float32), np.ones((2 * radius + 1, 2 * radius + 1), np.uint8))
    return np.clip(cv2.GaussianBlur(eroded, (0, 0), sigma), 0.0, 1.0)


def mouth_region(size: int, keypoints: np.ndarray) -> np.ndarray:
    """1 over the mouth, from the two mouth-corner keypoints (crop pixels), feathered outwards.

    An ellipse through a little beyond both corners, as tall as the lips open in speech,
    centred a little below the corners' line (the lower lip hangs lower than the corners)."""
    left, right = np.asarray(keypoints, np.float64)[3], np.asarray(keypoints, np.float64)[4]
    width = float(np.hypot(*(right - left)))
    if width < 1.0:
        return np.zeros((size, size), np.float32)
    angle = float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))
    normal = np.array([-(right[1] - left[1]), right[0] - left[0]]) / width  # points down the face
    centre = (left + right) / 2 + normal * 0.12 * width
    core = np.zeros((size, size), np.float32)
    axes = (int(round(0.68 * width)), int(round(0.42 * width)))
    cv2.ellipse(core, (int(round(centre[0])), int(round(centre[1]))), axes, angle, 0, 360, 1.0, -1)
    sigma = 0.12 * width
    grown = cv2.dilate(core, np.ones((3, 3), np.uint8), iterations=max(1, int(round(sigma))))
    return np.maximum(core, cv2.GaussianBlur(grown, (0, 0), sigma))


class XsegOccluder:
    """XSeg occlusion model: what of the face is visible (hands, microphones, glasses -> 0).

    Input ``[1,256,256,3]`` BGR in [0,1] (NHWC), output ``[1,256,256,1]`` in [0,1]."""

    def __init__(self, session) -> None:
        self.session = session
        first = session.get_inputs()[0]
        self.input_name = first.name
        self.input_size = int(first.shape[1]) if isinstance(first.shape[1], int) else 256

    @classmethod
    def from_registry(cls, models) -> XsegOccluder:
        return cls(models.session(OCCLUDER_MODEL))

    def mask(self, crop: np.ndarray, *, blur: float) -> np.ndarray:
        resized = cv2.resize(crop, (self.input_size, self.input_size), interpolation=cv2.INTER_AREA)
        blob = np.ascontiguousarray(resized[None], dtype=np.float32) / 255.0
        output = self.session.run(None, {self.input_name: blob})[0][0]
        visible = np.clip(output.reshape(self.input_size, self.input_size), 0.0, 1.0)
        hard = (cv2.resize(visible, (crop.shape[1], crop.shape[0])) >= 0.5).astype(np.float32)
        return feather(hard, blur=blur, size=crop.shape[0])


class BisenetFaceParser:
    """BiSeNet ResNet-34 face parser (CelebAMask-HQ, 19 classes): the face's own pixels.

    Input ``[1,3,512,512]`` RGB normalised with ImageNet mean/std, output ``[1,19,512,512]``
    class scores."""

    def __init__(self, session) -> None:
        self.session = session
        first = session.get_inputs()[0]
        self.input_name = first.name
        self.input_size = int(first.shape[2]) if isinstance(first.shape[2], int) else 512

    @classmethod
    def from_registry(cls, models) -> BisenetFaceParser:
        return cls(models.session(PARSER_MODEL))

    def labels(self, crop: np.ndarray) -> np.ndarray:
        """The class of every crop pixel (nearest-neighbour back to the crop size)."""
        resized = cv2.resize(crop, (self.input_size, self.input_size), interpolation=cv2.INTER_LINEAR)
        rgb = (resized[:, :, ::-1].astype(np.float32) / 255.0 - _IMAGENET_MEAN) / _IMAGENET_STD
        blob = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None])
        scores = self.session.run(None, {self.input_name: blob})[0][0]
        labels = scores.argmax(axis=0).astype(np.uint8)
        return cv2.resize(labels, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_NEAREST)

    def mask(self, crop: np.ndarray, *, blur: float,
             regions: Iterable[str] = tuple(PARSER_FACE_CLASSES)) -> np.ndarray:
        wanted = [PARSER_FACE_CLASSES[region] for region in regions]
        hard = np.isin(self.labels(crop), wanted).astype(np.float32)
        return feather(hard, blur=blur, size=crop.shape[0])
