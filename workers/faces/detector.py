"""SCRFD face detection with five keypoints (the det_10g / det_2.5g / det_500m family)."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

STRIDES = (8, 16, 32)
ANCHORS_PER_LOCATION = 2


@dataclass(frozen=True)
class Detections:
    """Boxes ``[N,4]`` (x1, y1, x2, y2), scores ``[N]`` and keypoints ``[N,5,2]`` in image pixels."""

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray

    def __len__(self) -> int:
        return len(self.scores)

    @staticmethod
    def empty() -> Detections:
        return Detections(np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
                          np.zeros((0, 5, 2), np.float32))


def non_maximum_suppression(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """Indices of the boxes kept, best score first; a box overlapping a kept one by more
    than ``threshold`` IoU is dropped."""
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)  # SCRFD's convention: inclusive pixel boxes
    order = scores.argsort()[::-1]
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        width = np.maximum(0.0, np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]) + 1)
        height = np.maximum(0.0, np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]) + 1)
        overlap = width * height
        iou = overlap / (areas[best] + areas[rest] - overlap)
        order = rest[iou <= threshold]
    return np.asarray(keep, dtype=np.int64)


class ScrfdDetector:
    """Runs one SCRFD session on an image letterboxed into a ``size`` x ``size`` square: scaled
    to fit it, on a canvas padded right/bottom to a multiple of 32 (or to the full square for
    sessions that declare fixed output lengths).

    SCRFD predicts, for every cell of three feature maps (strides 8/16/32) and two anchors
    per cell, a face score, the distances from the cell centre to the four box sides and the
    offsets of the five keypoints, all in units of the stride.
    """

    def __init__(self, session, *, score_threshold: float = 0.5, nms_threshold: float = 0.4) -> None:
        self.session = session
        self.input_name = session.get_inputs()[0].name
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self._centres: dict[tuple[int, int, int], np.ndarray] = {}
        self.canvas_size = self._declared_canvas_size(session)

    @staticmethod
    def _declared_canvas_size(session) -> int | None:
        """The input side the file was exported for, when its outputs have fixed lengths.

        InsightFace's SCRFD files take any input size but declare output lengths for 640x640;
        feeding another size works, yet ONNX Runtime then logs a shape warning per output per
        run. For such files a smaller detection size is run as the image letterboxed into that
        corner of a full canvas: the faces appear at the same scale, which is what the smaller
        size is for, and the outputs match their declared shapes. The model registry drops
        those declarations when it loads the detector (``FREE_OUTPUT_SHAPES``), so the jobs'
        detector has none and runs the letterboxed image on a canvas just big enough for it.
        """
        rows = session.get_outputs()[0].shape[0]
        if isinstance(rows, int) and rows > 0:
            cells = rows // ANCHORS_PER_LOCATION  # first output: stride 8 scores
            side = int(round(np.sqrt(cells))) * STRIDES[0]
            if (side // STRIDES[0]) ** 2 * ANCHORS_PER_LOCATION == rows:
                return side
        return None

    def _letterbox(self, image: np.ndarray, size: int) -> tuple[np.ndarray, float]:
        # Keep the aspect ratio and pad right/bottom, so one scale maps back to the image.
        # Sized and resampled exactly as InsightFace's SCRFD.detect (the longer side to ``size``,
        # the other truncated, bilinear; one scale from the height): the detector was trained on
        # such inputs, and tests/workers/test_insightface_oracle.py holds us within a pixel of it.
        height, width = image.shape[:2]
        if height > width:
            new_height, new_width = size, max(1, int(size * width / height))
        else:
            new_width, new_height = size, max(1, int(size * height / width))
        scale = new_height / height
        resized = cv2.resize(image, (new_width, new_height), interpolation=cv2.INTER_LINEAR)
        if self.canvas_size:
            side = max(size, self.canvas_size)
            canvas_height = canvas_width = side
        else:
            # Only up to the next multiple of the coarsest stride: the padding a square
            # canvas adds to a 16:9 frame is 44% of SCRFD's work, spent on black.
            canvas_height = -(-new_height // STRIDES[-1]) * STRIDES[-1]
            canvas_width = -(-new_width // STRIDES[-1]) * STRIDES[-1]
        canvas = np.zeros((canvas_height, canvas_width, 3), dtype=np.uint8)
        canvas[:new_height, :new_width] = resized
        return canvas, scale

    def _anchor_centres(self, feature_height: int, feature_width: int, stride: int) -> np.ndarray:
        key = (feature_height, feature_width, stride)
        centres = self._centres.get(key)
        if centres is None:
            ys, xs = np.mgrid[:feature_height, :feature_width]
            grid = np.stack([xs, ys], axis=-1).reshape(-1, 2).astype(np.float32) * stride
            # Rows are ordered (y, x, anchor): each location repeats for its anchors.
            centres = np.repeat(grid, ANCHORS_PER_LOCATION, axis=0)
            self._centres[key] = centres
        return centres

    @staticmethod
    def _split_outputs(outputs: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        # Output names differ between SCRFD variants, so identify them by shape instead:
        # the last axis (1 score, 4 box distances, 10 keypoint offsets) and the row count
        # (the finest stride has the most rows).
        arrays = [np.asarray(output).reshape(-1, np.asarray(output).shape[-1]) for output in outputs]
        by_kind: dict[int, list[np.ndarray]] = {1: [], 4: [], 10: []}
        for array in arrays:
            if array.shape[1] not in by_kind:
                raise ValueError(f"unexpected SCRFD output of shape {array.shape}")
            by_kind[array.shape[1]].append(array)
        for kind in by_kind.values():
            kind.sort(key=lambda array: -array.shape[0])
        if any(len(kind) != len(STRIDES) for kind in by_kind.values()):
            raise ValueError("an SCRFD model has 9 outputs: scores, boxes, keypoints per stride")
        return list(zip(by_kind[1], by_kind[4], by_kind[10], strict=True))

    def detect(self, image: np.ndarray, size: int = 640) -> Detections:
        """Faces in a BGR ``image``; ``size`` (a multiple of 32): the square it is scaled to fit."""
        canvas, scale = self._letterbox(image, size)
        # RGB, (x - 127.5) / 128, NCHW: SCRFD's training normalisation, in one pass (the same
        # values as the numpy version, bit for bit: 1/128 is exact; 5x faster on a 640 canvas).
        blob = cv2.dnn.blobFromImage(canvas, 1.0 / 128.0, None, (127.5, 127.5, 127.5), swapRB=True)
        outputs = self.session.run(None, {self.input_name: blob})
        boxes, scores, keypoints = [], [], []
        for stride, (score, box, keypoint) in zip(STRIDES, self._split_outputs(outputs), strict=True):
            centres = self._anchor_centres(canvas.shape[0] // stride, canvas.shape[1] // stride, stride)
            score = score[:, 0]
            selected = np.where(score >= self.score_threshold)[0]
            if not selected.size:
                continue
            centre = centres[selected]
            distance = box[selected] * stride
            boxes.append(np.concatenate([centre - distance[:, :2], centre + distance[:, 2:]], axis=1))
            offsets = keypoint[selected].reshape(-1, 5, 2) * stride
            keypoints.append(centre[:, None, :] + offsets)
            scores.append(score[selected])
        if not scores:
            return Detections.empty()
        all_boxes = np.concatenate(boxes) / scale
        all_scores = np.concatenate(scores)
        all_keypoints = np.concatenate(keypoints) / scale
        keep = non_maximum_suppression(all_boxes, all_scores, self.nms_threshold)
        return Detections(all_boxes[keep].astype(np.float32), all_scores[keep].astype(np.float32),
                          all_keypoints[keep].astype(np.float32))
