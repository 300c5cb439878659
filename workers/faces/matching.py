"""Which detected face is which person: the selection strategies of single and multi swap.

Every strategy answers, for the faces of one frame, a list of (face, key) pairs; the frame
swapper swaps each with the source latent stored under ``key``. Single swap in the default
'reference' mode is the multi-person machinery with one person (learnt from the first frame
that shows a face); 'all' swaps every face with the one source.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from workers.faces.analyser import Face, box_iou, most_prominent
from workers.pipelines.source_limits import SINGLE_SOURCE_KEY  # noqa: F401 (re-exported)

# Cosine similarity of unit ArcFace embeddings above which two faces are taken as one person.
# Same-person pairs of w600k_r50 typically score 0.4-0.8, different people below 0.2.
RECOGNITION_THRESHOLD = 0.35
# A face overlapping a person's box of the previous frames by this IoU keeps that person even
# when recognition dips (profile, blur, occlusion), as long as similarity stays above the floor.
CONTINUITY_IOU = 0.3
CONTINUITY_FLOOR = 0.1
IOU_WEIGHT = 0.5
# How many frames a person's last box is remembered after they were last seen.
MEMORY_FRAMES = 15
_INFEASIBLE = 1e6


def hungarian(cost: np.ndarray) -> list[tuple[int, int]]:
    """Minimum-cost one-to-one assignment of rows to columns (Kuhn-Munkres with potentials).

    Returns (row, column) pairs; with more rows than columns some rows stay unassigned.
    Small matrices only (persons x faces of one frame), so plain Python loops are fine.
    """
    cost = np.asarray(cost, dtype=np.float64)
    if cost.size == 0:
        return []
    transposed = cost.shape[0] > cost.shape[1]
    if transposed:
        cost = cost.T
    rows, columns = cost.shape
    row_potential = np.zeros(rows + 1)
    column_potential = np.zeros(columns + 1)
    owner = np.zeros(columns + 1, dtype=np.int64)  # owner[j]: 1-based row matched to column j
    previous = np.zeros(columns + 1, dtype=np.int64)
    for row in range(1, rows + 1):
        owner[0] = row
        column = 0
        best = np.full(columns + 1, np.inf)
        used = np.zeros(columns + 1, dtype=bool)
        while True:  # grow an alternating tree from `row` until a free column is reached
            used[column] = True
            current_row = owner[column]
            delta, next_column = np.inf, 0
            for j in range(1, columns + 1):
                if used[j]:
                    continue
                reduced = cost[current_row - 1, j - 1] - row_potential[current_row] - column_potential[j]
                if reduced < best[j]:
                    best[j], previous[j] = reduced, column
                if best[j] < delta:
                    delta, next_column = best[j], j
            for j in range(columns + 1):
                if used[j]:
                    row_potential[owner[j]] += delta
                    column_potential[j] -= delta
                else:
                    best[j] -= delta
            column = next_column
            if owner[column] == 0:
                break
        while column:  # flip the augmenting path
            prior = previous[column]
            owner[column] = owner[prior]
            column = prior
    pairs = [(int(owner[j]) - 1, j - 1) for j in range(1, columns + 1) if owner[j]]
    return [(c, r) for r, c in pairs] if transposed else pairs


@dataclass
class TrackedPerson:
    key: str
    embedding: np.ndarray  # unit length
    last_box: np.ndarray | None = None
    frames_since_seen: int = 0


class PersonTracker:
    """Follows known persons through a sequence of frames, one face per person per frame.

    Score of (person, face) = embedding similarity + IOU_WEIGHT x overlap with the person's
    recent box. A pair is allowed when similarity clears the recognition threshold, or when
    the face sits where the person just was and similarity clears the lower floor. The best
    total over the frame is found with the Hungarian method, so two faces never map to one
    person and a face never serves two persons; faces nobody claims are left alone.
    """

    def __init__(self, persons: Mapping[str, np.ndarray], *,
                 threshold: float = RECOGNITION_THRESHOLD, continuity_iou: float = CONTINUITY_IOU,
                 continuity_floor: float = CONTINUITY_FLOOR, iou_weight: float = IOU_WEIGHT,
                 memory_frames: int = MEMORY_FRAMES) -> None:
        self.persons = [TrackedPerson(key, np.asarray(embedding, np.float32))
                        for key, embedding in persons.items()]
        self.threshold = threshold
        self.continuity_iou = continuity_iou
        self.continuity_floor = continuity_floor
        self.iou_weight = iou_weight
        self.memory_frames = memory_frames

    def _scores(self, faces: Sequence[Face]) -> np.ndarray:
        embeddings = np.stack([face.embedding for face in faces])
        similarity = np.stack([person.embedding for person in self.persons]) @ embeddings.T
        scores = np.full(similarity.shape, -_INFEASIBLE)
        for p, person in enumerate(self.persons):
            for f, face in enumerate(faces):
                iou = box_iou(person.last_box, face.box) if person.last_box is not None else 0.0
                allowed = similarity[p, f] >= self.threshold or (
                    iou >= self.continuity_iou and similarity[p, f] >= self.continuity_floor)
                if allowed:
                    scores[p, f] = similarity[p, f] + self.iou_weight * iou
        return scores

    def assign(self, faces: Sequence[Face]) -> dict[str, Face]:
        """person key -> that person's face in this frame (absent persons are left out)."""
        matched: dict[str, Face] = {}
        if faces and self.persons:
            if any(face.embedding is None for face in faces):
                raise ValueError("person tracking needs face embeddings")
            scores = self._scores(faces)
            for p, f in hungarian(-scores):
                if scores[p, f] > -_INFEASIBLE:
                    matched[self.persons[p].key] = faces[f]
        for person in self.persons:
            face = matched.get(person.key)
            if face is not None:
                person.last_box, person.frames_since_seen = np.asarray(face.box), 0
            else:
                person.frames_since_seen += 1
                if person.frames_since_seen > self.memory_frames:
                    person.last_box = None
        return matched


class FaceSelector(Protocol):
    """Picks the faces of a frame to swap, each with the key of its source latent."""

    needs_identity: bool

    def select(self, faces: Sequence[Face], image_shape: Sequence[int]) -> list[tuple[Face, str]]:
        ...


class AllFacesSelector:
    """'all': every face gets the single source."""

    needs_identity = False

    def select(self, faces: Sequence[Face], image_shape: Sequence[int]) -> list[tuple[Face, str]]:
        return [(face, SINGLE_SOURCE_KEY) for face in faces]


class KnownPersonsSelector:
    """Multi swap: persons recognised from their thumbnails, followed frame to frame."""

    needs_identity = True

    def __init__(self, persons: Mapping[str, np.ndarray], **tracker_options) -> None:
        self.tracker = PersonTracker(persons, **tracker_options)

    def select(self, faces: Sequence[Face], image_shape: Sequence[int]) -> list[tuple[Face, str]]:
        return [(face, key) for key, face in self.tracker.assign(faces).items()]


class ReferencePersonSelector:
    """'reference' (single swap's default): the person of the most prominent face of the first
    frame that has a face, followed like one known person, so bystanders are left alone."""

    needs_identity = True

    def __init__(self, **tracker_options) -> None:
        self._tracker_options = tracker_options
        self.tracker: PersonTracker | None = None

    def set_reference(self, embedding: np.ndarray) -> None:
        """Follow this person from the start (a part of a split job: the whole video's reference,
        found in its first frame with a face, not the part's)."""
        self.tracker = PersonTracker({SINGLE_SOURCE_KEY: np.asarray(embedding, np.float32)},
                                     **self._tracker_options)

    def select(self, faces: Sequence[Face], image_shape: Sequence[int]) -> list[tuple[Face, str]]:
        if self.tracker is None:
            if not faces:
                return []
            reference = most_prominent(faces, image_shape)
            self.tracker = PersonTracker({SINGLE_SOURCE_KEY: reference.embedding},
                                         **self._tracker_options)
        return [(face, key) for key, face in self.tracker.assign(faces).items()]
