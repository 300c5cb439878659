"""Video stability: each swapped person followed through the frames, keypoints smoothed, short
gaps filled.

The selector has already said which face is whose (identity + overlap, see ``matching``); here
each (key, face) becomes a track. Frames wait ``max_gap`` frames in a buffer, so when a
person seen at frame s is seen again at t <= s + max_gap + 1 after being missed in between
(detector miss, recognition dip), the frames in between get a face whose box and keypoints
are interpolated between s and t, and are swapped like the others. Frames leave the buffer in
order; on the way out each track's box and keypoints pass through a One-Euro filter (Casiez
et al., CHI 2012), which smooths hard while a face holds still and follows quickly when it
moves, so the paste stops shimmering without trailing behind the head.

Nothing carries across a hard cut (``workers.faces.shot_cut``: a change over most of the frame,
which a hand over the face is not): every track ends at the cut, so the new shot's faces start
fresh tracks whose filters begin at their raw keypoints, and no gap is filled across it. A face
that jumps more than a face width (or changes size by half) between two sightings also starts a
new track, for a cut between two shots that look alike.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from workers.faces.analyser import Face, box_iou
from workers.faces.shot_cut import ShotSignature, is_hard_cut, shot_signature

DEFAULT_MAX_GAP = 3
# One-Euro parameters in frame time units, on coordinates divided by the face's width: a still
# face is filtered at 0.02 cycles/frame, and the cutoff grows by beta per face-width/frame of
# speed. Chosen with bench/bench_quality.py: keypoint jitter -64 % on the talking heads, -51 %
# on a steady pan, which the filter trails by 0.8 frame.
MIN_CUTOFF = 0.02
BETA = 10.0
DERIVATIVE_CUTOFF = 0.3
# Two faces of one key in one frame ('all' mode) are told apart by overlap with the tracks' last boxes.
TRACK_IOU = 0.2
# A track continues only with a face whose centre moved at most this many face widths since its
# last sighting (a head at its fastest moves a fraction of that in the max_gap + 1 frames) and
# whose width changed by at most this ratio.
JUMP_WIDTHS = 1.0
SIZE_RATIO = 1.5


def _alpha(cutoff: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau)  # sampling period = one frame


class OneEuroFilter:
    """The One-Euro low-pass filter over a vector, one sample per frame."""

    def __init__(self, *, min_cutoff: float = MIN_CUTOFF, beta: float = BETA,
                 derivative_cutoff: float = DERIVATIVE_CUTOFF) -> None:
        self.min_cutoff, self.beta, self.derivative_cutoff = min_cutoff, beta, derivative_cutoff
        self.value: np.ndarray | None = None
        self.derivative: np.ndarray | None = None

    def reset(self) -> None:
        self.value = self.derivative = None

    def __call__(self, sample: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """The filtered ``sample``; ``scale`` converts its units to the filter's (face widths)."""
        sample = np.asarray(sample, np.float64)
        if self.value is None:
            self.value, self.derivative = sample.copy(), np.zeros_like(sample)
            return sample
        rate = (sample - self.value) / scale
        d_alpha = _alpha(self.derivative_cutoff)
        self.derivative = d_alpha * rate + (1.0 - d_alpha) * self.derivative
        cutoff = self.min_cutoff + self.beta * float(np.abs(self.derivative).mean())
        alpha = _alpha(cutoff)
        self.value = alpha * sample + (1.0 - alpha) * self.value
        return self.value.copy()


@dataclass
class _Track:
    key: str
    last_index: int
    last_face: Face
    filter: OneEuroFilter = field(default_factory=OneEuroFilter)
    filtered_index: int = -2


@dataclass
class _Entry:
    index: int
    frame: np.ndarray
    faces: dict[int, tuple[Face, str]]  # track number -> (face, key)
    filled: set[int] = field(default_factory=set)


def _continues(last: Face, face: Face) -> bool:
    """Whether ``face`` can be the same head as ``last`` (a few frames apart, same shot)."""
    width = max(last.width, face.width, 1.0)
    moved = math.dist(face.centre, last.centre)
    ratio = max(last.width, 1.0) / max(face.width, 1.0)
    return (moved <= JUMP_WIDTHS * width
            and 1 / SIZE_RATIO <= ratio <= SIZE_RATIO)


def interpolate_face(before: Face, after: Face, weight: float) -> Face:
    """The face ``weight`` of the way from ``before`` to ``after`` (box and keypoints)."""
    return Face(box=(1 - weight) * np.asarray(before.box, np.float64) + weight * np.asarray(after.box),
                score=min(before.score, after.score),
                keypoints=(1 - weight) * np.asarray(before.keypoints, np.float64)
                + weight * np.asarray(after.keypoints))


class FaceStabiliser:
    """Buffers selected faces ``max_gap`` frames, fills gaps and smooths keypoints (see module)."""

    def __init__(self, *, max_gap: int = DEFAULT_MAX_GAP, smooth: bool = True,
                 min_cutoff: float = MIN_CUTOFF, beta: float = BETA) -> None:
        self.max_gap = max_gap
        self.smooth = smooth
        self.min_cutoff, self.beta = min_cutoff, beta
        self.tracks: list[_Track] = []
        self.buffer: deque[_Entry] = deque()
        self.index = -1
        self.faces_filled = 0
        self.signature: ShotSignature | None = None
        self.shot_start = 0  # the index of the current shot's first frame
        self.cuts: list[int] = []  # the indices where a hard cut started a shot

    def _new_track(self, face: Face, key: str) -> int:
        self.tracks.append(_Track(key, self.index, face,
                                  OneEuroFilter(min_cutoff=self.min_cutoff, beta=self.beta)))
        return len(self.tracks) - 1

    def _assign(self, selections: Sequence[tuple[Face, str]]) -> dict[int, tuple[Face, str]]:
        keys = [key for _, key in selections]
        live = [number for number, track in enumerate(self.tracks)
                if track.last_index >= self.shot_start and self.index - track.last_index <= self.max_gap + 1]
        assigned: dict[int, tuple[Face, str]] = {}
        for face, key in selections:
            candidates = [n for n in live if self.tracks[n].key == key and n not in assigned]
            chosen = None
            if keys.count(key) == 1 and len(candidates) == 1:
                # The selector already knows who this is; a jump still means another shot.
                chosen = candidates[0] if _continues(self.tracks[candidates[0]].last_face, face) else None
            elif candidates:
                overlaps = [(box_iou(self.tracks[n].last_face.box, face.box), n) for n in candidates]
                best, number = max(overlaps)
                chosen = number if best >= TRACK_IOU else None
            if chosen is None:
                chosen = self._new_track(face, key)
            assigned[chosen] = (face, key)
        return assigned

    def _fill(self, number: int, face: Face) -> None:
        track = self.tracks[number]
        span = self.index - track.last_index
        if 1 < span <= self.max_gap + 1 and track.last_index >= self.shot_start:
            for entry in self.buffer:
                if track.last_index < entry.index < self.index and number not in entry.faces:
                    weight = (entry.index - track.last_index) / span
                    entry.faces[number] = (interpolate_face(track.last_face, face, weight), track.key)
                    entry.filled.add(number)
                    self.faces_filled += 1
        track.last_index, track.last_face = self.index, face

    def _smoothed(self, entry: _Entry) -> list[tuple[Face, str]]:
        out = []
        for number, (face, key) in sorted(entry.faces.items()):
            track = self.tracks[number]
            if self.smooth:
                if track.filtered_index != entry.index - 1:
                    track.filter.reset()
                track.filtered_index = entry.index
                width = max(face.width, 1.0)
                points = np.concatenate([np.asarray(face.keypoints, np.float64).ravel(),
                                         np.asarray(face.box, np.float64).ravel()])
                filtered = track.filter(points, width)
                face = Face(box=filtered[10:14], score=face.score, keypoints=filtered[:10].reshape(5, 2),
                            embedding=face.embedding)
            out.append((face, key))
        return out

    def _watch_cuts(self, frame: np.ndarray) -> None:
        if not isinstance(frame, np.ndarray) or frame.ndim != 3:
            return  # callers that pass no picture (faces only) get the jump rule alone
        signature = shot_signature(frame)
        if self.signature is not None and is_hard_cut(self.signature, signature):
            self.shot_start = self.index
            self.cuts.append(self.index)
        self.signature = signature

    def push(self, frame: np.ndarray, selections: Sequence[tuple[Face, str]]
             ) -> list[tuple[np.ndarray, list[tuple[Face, str]]]]:
        """Adds one frame's selections; returns the frames that are final now, oldest first."""
        self.index += 1
        self._watch_cuts(frame)
        assigned = self._assign(selections)
        self.buffer.append(_Entry(self.index, frame, dict(assigned)))
        for number, (face, _) in assigned.items():
            self._fill(number, face)
        ready = []
        while self.buffer and self.buffer[0].index <= self.index - self.max_gap:
            entry = self.buffer.popleft()
            ready.append((entry.frame, self._smoothed(entry)))
        return ready

    def flush(self) -> list[tuple[np.ndarray, list[tuple[Face, str]]]]:
        ready = []
        while self.buffer:
            entry = self.buffer.popleft()
            ready.append((entry.frame, self._smoothed(entry)))
        return ready
