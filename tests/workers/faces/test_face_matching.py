"""Face selection and person assignment, with synthetic embeddings (no model needed).

The stand-in ArcFace's embeddings carry no identity, so the identity logic is proven here
with hand-made unit vectors; the video tests then show it on real detections.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from workers.faces.analyser import Face, most_prominent
from workers.faces.matching import (
    SINGLE_SOURCE_KEY,
    AllFacesSelector,
    KnownPersonsSelector,
    PersonTracker,
    ReferencePersonSelector,
    hungarian,
)

RNG = np.random.default_rng(7)


def unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


IDENTITIES = {name: unit(RNG.standard_normal(512)) for name in ("anna", "ben", "carl", "dora")}


def blend(identity: str, other: str, weight: float) -> np.ndarray:
    """An embedding mostly of ``identity`` with ``weight`` of ``other`` mixed in."""
    return unit((1 - weight) * IDENTITIES[identity] + weight * IDENTITIES[other])


def face(x: float, embedding: np.ndarray | None = None, *, y: float = 100, size: float = 100) -> Face:
    box = np.array([x, y, x + size, y + size], dtype=np.float32)
    keypoints = np.zeros((5, 2), np.float32)
    return Face(box=box, score=0.9, keypoints=keypoints, embedding=embedding)


@pytest.mark.parametrize("rows,columns", [(1, 1), (3, 3), (2, 5), (5, 2), (4, 4), (6, 3)])
def test_hungarian_finds_the_optimum(rows, columns):
    for _ in range(20):
        cost = RNG.uniform(-1, 1, size=(rows, columns))
        pairs = hungarian(cost)
        assert len(pairs) == min(rows, columns)
        assert len({r for r, _ in pairs}) == len(pairs) == len({c for _, c in pairs})
        total = sum(cost[r, c] for r, c in pairs)
        if rows <= columns:
            best = min(sum(cost[r, c] for r, c in enumerate(perm))
                       for perm in itertools.permutations(range(columns), rows))
        else:
            best = min(sum(cost[r, c] for c, r in enumerate(perm))
                       for perm in itertools.permutations(range(rows), columns))
        assert total == pytest.approx(best)


def test_hungarian_of_nothing():
    assert hungarian(np.zeros((0, 3))) == []


def test_each_known_person_gets_their_own_face():
    tracker = PersonTracker({"P1": IDENTITIES["anna"], "P2": IDENTITIES["ben"]})
    faces = [face(500, blend("ben", "carl", 0.3)), face(0, blend("anna", "carl", 0.3))]
    assigned = tracker.assign(faces)
    assert assigned["P1"] is faces[1] and assigned["P2"] is faces[0]


def test_two_faces_never_map_to_the_same_person():
    # Both faces resemble anna; only the better one may be anna, the other nobody.
    tracker = PersonTracker({"P1": IDENTITIES["anna"]})
    faces = [face(0, blend("anna", "ben", 0.4)), face(300, blend("anna", "ben", 0.1))]
    assigned = tracker.assign(faces)
    assert list(assigned) == ["P1"] and assigned["P1"] is faces[1]


def test_one_to_one_prefers_the_best_total_over_greedy():
    # Greedy would give P1 face B (0.9) and leave P2 with nothing above the threshold;
    # the optimum pairs P1-A and P2-B.
    a, b = unit(np.r_[1.0, 0, 0]), unit(np.r_[0.9, 0.436, 0])
    p1, p2 = unit(np.r_[0.95, 0.31, 0]), unit(np.r_[0.2, 0.98, 0])
    tracker = PersonTracker({"P1": p1, "P2": p2}, threshold=0.35)
    faces = [face(0, a), face(300, b)]
    assigned = tracker.assign(faces)
    assert assigned["P1"] is faces[0] and assigned["P2"] is faces[1]


def test_unknown_faces_are_left_alone():
    tracker = PersonTracker({"P1": IDENTITIES["anna"]})
    assert tracker.assign([face(0, IDENTITIES["carl"]), face(300, IDENTITIES["dora"])]) == {}


def test_continuity_keeps_identity_when_recognition_dips():
    tracker = PersonTracker({"P1": IDENTITIES["anna"], "P2": IDENTITIES["ben"]})
    tracker.assign([face(0, IDENTITIES["anna"]), face(400, IDENTITIES["ben"])])
    # Next frame: anna turns away (similarity 0.2, below the threshold) but stays in place.
    dipped = blend("carl", "anna", 0.2)
    assert 0.1 < float(dipped @ IDENTITIES["anna"]) < 0.35
    faces = [face(5, dipped), face(405, IDENTITIES["ben"])]
    assigned = tracker.assign(faces)
    assert assigned["P1"] is faces[0] and assigned["P2"] is faces[1]
    # Far from where anna was, the same weak similarity is not enough.
    moved = PersonTracker({"P1": IDENTITIES["anna"]})
    moved.assign([face(0, IDENTITIES["anna"])])
    assert moved.assign([face(600, dipped)]) == {}


def test_continuity_is_forgotten_after_a_long_absence():
    tracker = PersonTracker({"P1": IDENTITIES["anna"]}, memory_frames=3)
    tracker.assign([face(0, IDENTITIES["anna"])])
    for _ in range(4):
        tracker.assign([])
    assert tracker.assign([face(0, blend("carl", "anna", 0.2))]) == {}


def test_reference_selector_follows_the_most_prominent_face_of_the_first_frame_with_faces():
    selector = ReferencePersonSelector()
    shape = (720, 1280, 3)
    assert selector.select([], shape) == []  # no face yet: nothing chosen, nothing swapped
    big_centre = face(560, IDENTITIES["anna"], y=260, size=200)
    small_side = face(20, IDENTITIES["ben"], y=20, size=80)
    assert selector.select([small_side, big_centre], shape) == [(big_centre, SINGLE_SOURCE_KEY)]
    # Later frames: anna is found wherever she is; the bystander never is.
    later_anna = face(100, blend("anna", "carl", 0.2), y=300, size=150)
    later_ben = face(700, IDENTITIES["ben"], y=300, size=250)
    assert selector.select([later_ben, later_anna], shape) == [(later_anna, SINGLE_SOURCE_KEY)]


def test_most_prominent_weighs_size_against_distance_from_centre():
    shape = (1000, 1000, 3)
    centre = face(450, None, y=450, size=100)
    corner_same_size = face(0, None, y=0, size=100)
    corner_much_bigger = face(0, None, y=0, size=300)
    assert most_prominent([corner_same_size, centre], shape) is centre
    assert most_prominent([centre, corner_much_bigger], shape) is corner_much_bigger


def test_all_selector_needs_no_identity():
    faces = [face(0), face(300)]
    selector = AllFacesSelector()
    assert not selector.needs_identity
    assert selector.select(faces, (480, 960, 3)) == [(faces[0], "source"), (faces[1], "source")]


def test_known_persons_selector_keys_by_person():
    selector = KnownPersonsSelector({"P1": IDENTITIES["anna"], "P2": IDENTITIES["ben"]})
    faces = [face(0, IDENTITIES["ben"]), face(300, IDENTITIES["dora"])]
    assert selector.select(faces, (480, 960, 3)) == [(faces[0], "P2")]
