"""Finds faces (SCRFD) and, when asked, who they are (ArcFace): the analysis every face job runs."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workers.faces.detector import Detections, ScrfdDetector
from workers.faces.embedder import ArcFaceEmbedder, normalise
from workers.model_zoo.names import DETECTOR_MODEL, EMBEDDER_MODEL  # noqa: F401 (re-exported)

# The main detection size, then the fallback: faces that fill the frame (close-ups) are too
# big for the 640 input's anchors and are found at 320, where they appear half as large.
DETECTION_SIZES = (640, 320)


@dataclass
class Face:
    """One detected face in image pixels: box (x1, y1, x2, y2), score, 5 keypoints, identity."""

    box: np.ndarray
    score: float
    keypoints: np.ndarray
    embedding: np.ndarray | None = None  # unit-length ArcFace embedding, when computed

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    @property
    def height(self) -> float:
        return float(self.box[3] - self.box[1])

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    @property
    def centre(self) -> tuple[float, float]:
        return float(self.box[0] + self.box[2]) / 2, float(self.box[1] + self.box[3]) / 2

    def pixel_box(self, image_shape: Sequence[int]) -> tuple[int, int, int, int]:
        """(x1, y1, x2, y2) as ints clipped to the image, x2/y2 exclusive."""
        height, width = image_shape[:2]
        x1 = int(np.clip(np.floor(self.box[0]), 0, width))
        y1 = int(np.clip(np.floor(self.box[1]), 0, height))
        x2 = int(np.clip(np.ceil(self.box[2]), 0, width))
        y2 = int(np.clip(np.ceil(self.box[3]), 0, height))
        return x1, y1, x2, y2

    def xywh(self, image_shape: Sequence[int]) -> list[int]:
        x1, y1, x2, y2 = self.pixel_box(image_shape)
        return [x1, y1, x2 - x1, y2 - y1]


def box_iou(first: np.ndarray, second: np.ndarray) -> float:
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    overlap = width * height
    union = ((first[2] - first[0]) * (first[3] - first[1])
             + (second[2] - second[0]) * (second[3] - second[1]) - overlap)
    return float(overlap / union) if union > 0 else 0.0


def most_prominent(faces: Sequence[Face], image_shape: Sequence[int]) -> Face:
    """The face a viewer sees first: large and near the centre (area, discounted with the
    distance from the centre so a big face at the edge can still lose to a central one)."""
    height, width = image_shape[:2]
    diagonal = float(np.hypot(width, height)) or 1.0

    def weight(face: Face) -> float:
        cx, cy = face.centre
        offset = float(np.hypot(cx - width / 2, cy - height / 2)) / diagonal  # 0 .. 0.5
        return face.area * (1.0 - offset)

    return max(faces, key=weight)


def largest(faces: Sequence[Face]) -> Face:
    return max(faces, key=lambda face: face.area)


class FaceAnalyser:
    """Detects faces at the main size, retries at the fallback size when none is found, and
    embeds them (all faces of an image in one ArcFace run)."""

    def __init__(self, models, *, detection_sizes: Sequence[int] = DETECTION_SIZES,
                 score_threshold: float = 0.5) -> None:
        self.models = models
        self.detection_sizes = tuple(detection_sizes)
        self.detector = ScrfdDetector(models.session(DETECTOR_MODEL), score_threshold=score_threshold)
        self._embedder: ArcFaceEmbedder | None = None

    @property
    def embedder(self) -> ArcFaceEmbedder:
        # Loaded on first use: the 'all faces' mode and the restore job never need identities.
        if self._embedder is None:
            self._embedder = ArcFaceEmbedder(self.models.session(EMBEDDER_MODEL))
        return self._embedder

    def detect(self, image: np.ndarray) -> Detections:
        detections = Detections.empty()
        for size in self.detection_sizes:
            detections = self.detector.detect(image, size)
            if len(detections):
                break
        return detections

    def analyse(self, image: np.ndarray, *, embed: bool = True) -> list[Face]:
        detections = self.detect(image)
        faces = [Face(box=detections.boxes[i], score=float(detections.scores[i]),
                      keypoints=detections.keypoints[i]) for i in range(len(detections))]
        if embed and faces:
            embeddings = normalise(self.embedder.embed(image, [face.keypoints for face in faces]))
            for face, embedding in zip(faces, embeddings, strict=True):
                face.embedding = embedding
        return faces
