"""The per-frame swap, enhancer and the synchronous entry points (previews, analysis, checks),
with the real detector and stand-in ArcFace / inswapper / GFPGAN.

What the stand-ins can prove: geometry (alignment, paste-back limited to the face box, pixels
outside unchanged), data flow (source latent -> swapped pixels; each person gets its own
source), error paths. What they can't: that the swapped face looks like the source person.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from workers.faces.analyser import FaceAnalyser
from workers.faces.embedder import normalise
from workers.faces.swapper import InSwapper
from workers.pipelines.context import PipelineError
from workers.pipelines.faceswap import analyse_frame, enhance_faces, source_face_check, swap_image

from ..face_helpers import box_mask, inner_box, mean_difference


@pytest.fixture(scope="module")
def analyser(face_models) -> FaceAnalyser:
    return FaceAnalyser(face_models)


def test_source_latent_is_the_normalised_embedding_through_emap(face_models):
    swapper = InSwapper.from_registry(face_models)
    assert swapper.emap.shape == (512, 512)
    embedding = np.random.default_rng(1).standard_normal(512).astype(np.float32) * 7
    latent = swapper.source_latent(embedding)
    expected = normalise(normalise(embedding[None]) @ swapper.emap)
    np.testing.assert_allclose(latent, expected, rtol=1e-5)
    assert latent.shape == (1, 512) and np.linalg.norm(latent) == pytest.approx(1.0, abs=1e-5)


def test_all_mode_changes_pixels_only_inside_the_face_boxes(face_models, analyser, read_image):
    target, source = read_image("two_people.jpg"), read_image("obama.jpg")
    faces = analyser.analyse(target, embed=False)
    result = swap_image(face_models, target=target, sources=source, face_selection="all")
    outside = ~box_mask(target.shape, faces)
    assert np.array_equal(result[outside], target[outside])
    for face in faces:
        assert mean_difference(result, target, inner_box(face, target.shape)) > 10


def test_reference_mode_swaps_one_person_of_two(face_models, analyser, read_image):
    target, source = read_image("two_people.jpg"), read_image("obama.jpg")
    faces = analyser.analyse(target, embed=False)
    result = swap_image(face_models, target=target, sources=source)
    changed = [mean_difference(result, target, inner_box(face, target.shape)) > 10 for face in faces]
    assert sorted(changed) == [False, True]


def test_enhance_restores_the_swapped_faces_inside_their_boxes(face_models, analyser, read_image):
    target, source = read_image("two_people.jpg"), read_image("obama.jpg")
    faces = analyser.analyse(target, embed=False)
    plain = swap_image(face_models, target=target, sources=source, face_selection="all")
    enhanced = swap_image(face_models, target=target, sources=source, face_selection="all",
                          enhance=True)
    outside = ~box_mask(target.shape, faces)
    assert np.array_equal(enhanced[outside], target[outside])
    assert mean_difference(enhanced, plain, box_mask(target.shape, faces)) > 0.5


def test_two_sources_give_recognisably_different_faces(face_models, analyser, read_image):
    target = read_image("two_people.jpg")
    persons = analyse_frame(face_models, target)
    thumbnails = {p.person_id: cv2.imdecode(np.frombuffer(p.thumbnail_jpeg, np.uint8), cv2.IMREAD_COLOR)
                  for p in persons}
    obama, biden = read_image("obama.jpg"), read_image("biden.jpg")
    left, right = sorted(analyser.analyse(target, embed=False), key=lambda face: face.centre[0])
    left_area, right_area = inner_box(left, target.shape), inner_box(right, target.shape)

    straight = swap_image(face_models, target=target, sources={"P1": obama, "P2": biden},
                          thumbnails=thumbnails)
    crossed = swap_image(face_models, target=target, sources={"P1": biden, "P2": obama},
                         thumbnails=thumbnails)
    only_p1 = swap_image(face_models, target=target, sources={"P1": obama}, thumbnails=thumbnails)
    only_p2 = swap_image(face_models, target=target, sources={"P2": biden}, thumbnails=thumbnails)

    assert mean_difference(straight, crossed, left_area) > 10
    assert mean_difference(straight, crossed, right_area) > 10
    # Each face's pixels depend only on its own person's source.
    assert np.array_equal(straight[left_area], only_p1[left_area])
    assert np.array_equal(straight[right_area], only_p2[right_area])
    # A person without a source stays as they were.
    assert np.array_equal(only_p2[box_mask(target.shape, [left])], target[box_mask(target.shape, [left])])


def test_analyse_frame_numbers_persons_left_to_right(face_models, read_image):
    image = read_image("solvay_conference_1927.png")
    persons = analyse_frame(face_models, image)
    assert [p.person_id for p in persons] == [f"P{i}" for i in range(1, 30)]
    centres = [p.bbox[0] + p.bbox[2] / 2 for p in persons]
    assert centres == sorted(centres)
    for person in persons:
        x, y, w, h = person.bbox
        assert all(isinstance(v, int) for v in person.bbox) and w > 10 and h > 10
        assert 0 <= x and x + w <= image.shape[1] and 0 <= y and y + h <= image.shape[0]
        thumbnail = cv2.imdecode(np.frombuffer(person.thumbnail_jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert thumbnail.shape[0] > h and thumbnail.shape[1] > w  # the crop has a margin


def test_analyse_frame_without_faces_is_empty(face_models):
    assert analyse_frame(face_models, np.full((300, 400, 3), 90, np.uint8)) == []


def test_source_face_check(face_models, read_image):
    face = source_face_check(face_models, read_image("two_people.jpg"))
    assert face.embedding is not None
    with pytest.raises(PipelineError, match="No face was found in the source image"):
        source_face_check(face_models, np.full((300, 400, 3), 90, np.uint8))


def test_no_face_in_the_target_image(face_models, read_image):
    with pytest.raises(PipelineError, match="No face was found in the target"):
        swap_image(face_models, target=np.full((300, 400, 3), 90, np.uint8),
                   sources=read_image("obama.jpg"))


def test_enhance_faces_restores_every_face_and_nothing_else(face_models, analyser, read_image):
    image = read_image("two_people.jpg")
    restored, count = enhance_faces(face_models, image)
    assert count == 2
    faces = analyser.analyse(image, embed=False)
    outside = ~box_mask(image.shape, faces)
    assert np.array_equal(restored[outside], image[outside])
    assert not np.array_equal(restored, image)
    blank = np.full((200, 200, 3), 50, np.uint8)
    assert enhance_faces(face_models, blank)[1] == 0
