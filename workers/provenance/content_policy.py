"""The content policy's classifier: an NSFW score for source images and for one target frame per
second, before a job is accepted (and charged).

The model is AdamCodd/vit-base-nsfw-detector (Apache-2.0; see models_weights/manifest.json),
run through the model registry like every other model.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from workers.model_zoo.names import NSFW_MODEL  # noqa: F401 (re-exported)
from workers.video.reader import VideoFrameReader

INPUT_SIZE = 384
BATCH = 8


@dataclass(frozen=True)
class ContentScore:
    score: float  # highest NSFW probability seen
    where: str  # which input or frame it came from, for the user's message


class NsfwClassifier:
    """Probability that a BGR image is sexual content: 384x384 RGB in [-1, 1] -> softmax[1]."""

    def __init__(self, session) -> None:
        self.session = session
        self.input_name = session.get_inputs()[0].name

    @classmethod
    def from_registry(cls, models) -> NsfwClassifier:
        return cls(models.session(NSFW_MODEL))

    def scores(self, images: list[np.ndarray]) -> np.ndarray:
        if not images:
            return np.zeros(0, np.float32)
        blobs = []
        for image in images:
            resized = cv2.resize(image, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA)
            blobs.append(resized[:, :, ::-1].astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0)
        logits = self.session.run(None, {self.input_name: np.ascontiguousarray(np.stack(blobs))})[0]
        logits = logits - logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return probabilities[:, 1]


def content_scan(models, *, images: dict[str, np.ndarray], video: str | Path | None = None,
                 video_name: str = "the target video") -> ContentScore:
    """The highest NSFW score over ``images`` (name -> BGR) and one frame per second of ``video``
    (named ``video_name`` in the answer's ``where``)."""
    classifier = NsfwClassifier.from_registry(models)
    best = ContentScore(score=0.0, where="")
    names, batch = list(images), list(images.values())
    for start in range(0, len(batch), BATCH):
        for name, score in zip(names[start:start + BATCH], classifier.scores(batch[start:start + BATCH]), strict=True):
            if score > best.score:
                best = ContentScore(score=float(score), where=name)
    if video is not None:
        pending: list[np.ndarray] = []
        second = 0

        def flush(first_second: int) -> None:
            nonlocal best
            for offset, score in enumerate(classifier.scores(pending)):
                if score > best.score:
                    best = ContentScore(score=float(score), where=f"{video_name} at {first_second + offset} s")
            pending.clear()

        with VideoFrameReader(video, output_size=(INPUT_SIZE, INPUT_SIZE), sample_fps=1) as reader:
            for frame in reader:
                pending.append(frame)
                if len(pending) == BATCH:
                    flush(second)
                    second += BATCH
        flush(second)
    return best


