"""Helpers shared by the face tests: decoding frames and comparing regions."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from workers.faces.analyser import Face
from workers.video.reader import VideoFrameReader


def decode_frames(path: Path) -> list[np.ndarray]:
    with VideoFrameReader(path) as reader:
        return [frame.copy() for frame in reader]


def box_mask(shape: tuple[int, ...], faces: list[Face], grow: int = 0) -> np.ndarray:
    """True inside every face's box grown by ``grow`` pixels."""
    mask = np.zeros(shape[:2], dtype=bool)
    for face in faces:
        x1, y1, x2, y2 = face.pixel_box(shape)
        mask[max(0, y1 - grow):y2 + grow, max(0, x1 - grow):x2 + grow] = True
    return mask


def inner_box(face: Face, shape: tuple[int, ...], fraction: float = 0.25) -> tuple[slice, slice]:
    """The middle of a face box (``fraction`` trimmed from each side): where a swap shows most."""
    x1, y1, x2, y2 = face.pixel_box(shape)
    dx, dy = int((x2 - x1) * fraction), int((y2 - y1) * fraction)
    return slice(y1 + dy, y2 - dy), slice(x1 + dx, x2 - dx)


def mean_difference(first: np.ndarray, second: np.ndarray, where=None) -> float:
    difference = np.abs(first.astype(np.int16) - second.astype(np.int16))
    if where is None:
        return float(difference.mean())
    if isinstance(where, tuple):
        return float(difference[where].mean())
    return float(difference[where].mean()) if where.any() else 0.0
