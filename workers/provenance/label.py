"""The visible "AI-generated" label: a small dark box with white text in a corner."""
from __future__ import annotations

import cv2
import numpy as np

LABEL_TEXT = "AI-generated"
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def label_box(width: int, height: int) -> tuple[int, int, int, int]:
    """(x1, y1, x2, y2) of the label in the bottom-right corner: text about 1/40 of the short side."""
    scale = max(0.35, min(width, height) / 900)
    thickness = max(1, round(scale * 1.5))
    (text_w, text_h), baseline = cv2.getTextSize(LABEL_TEXT, _FONT, scale, thickness)
    pad = max(3, text_h // 3)
    margin = max(4, min(width, height) // 60)
    x2, y2 = width - margin, height - margin
    return x2 - text_w - 2 * pad, y2 - text_h - baseline - 2 * pad, x2, y2


def draw_label(image: np.ndarray) -> np.ndarray:
    """A copy of a BGR image with the label drawn (a dark box at 70% opacity, white text)."""
    height, width = image.shape[:2]
    x1, y1, x2, y2 = label_box(width, height)
    if x1 < 0 or y1 < 0:
        return image
    labelled = image.copy()
    box = labelled[y1:y2, x1:x2].astype(np.float32)
    labelled[y1:y2, x1:x2] = (box * 0.3).astype(np.uint8)
    scale = max(0.35, min(width, height) / 900)
    thickness = max(1, round(scale * 1.5))
    (_, text_h), baseline = cv2.getTextSize(LABEL_TEXT, _FONT, scale, thickness)
    pad = max(3, text_h // 3)
    cv2.putText(labelled, LABEL_TEXT, (x1 + pad, y2 - pad - baseline), _FONT, scale, (255, 255, 255),
                thickness, cv2.LINE_AA)
    return labelled
