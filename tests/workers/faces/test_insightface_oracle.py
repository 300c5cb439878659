"""Equivalence with the reference implementation (InsightFace 2.1, installed ``--no-deps`` as a
test-only oracle) on the same model files.

The stand-ins prove the plumbing; these prove real weights will get the inputs they were trained
on: the real SCRFD detector finds the same boxes and keypoints on real photos (within 1 px), the
ArcFace preprocessing gives the same embedding (a stand-in with random, seeded weights, so every
pixel of the aligned crop counts), and the inswapper session is fed what ``INSwapper.get`` feeds
it (aligned crop -> blob, embedding -> latent through emap), captured at the session itself.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest
from insightface.app.common import Face as ReferenceFace
from insightface.model_zoo.arcface_onnx import ArcFaceONNX
from insightface.model_zoo.inswapper import INSwapper as ReferenceSwapper
from insightface.model_zoo.scrfd import SCRFD
from insightface.utils import face_align

from tests.standin_models import write_standins
from workers.faces.align import INSWAPPER_ALIGNER
from workers.faces.analyser import Face
from workers.faces.detector import ScrfdDetector
from workers.faces.embedder import ArcFaceEmbedder, normalise
from workers.faces.swapper import EMAP_CACHE, InSwapper

PHOTOS = ("obama.jpg", "biden.jpg", "two_people.jpg", "solvay_conference_1927.png")
CPU = ["CPUExecutionProvider"]


class RecordingSession:
    """An onnxruntime session that keeps every feed it is run with."""

    def __init__(self, path: Path) -> None:
        self.session = ort.InferenceSession(str(path), providers=CPU)
        self.feeds: list[dict[str, np.ndarray]] = []

    def get_inputs(self):
        return self.session.get_inputs()

    def get_outputs(self):
        return self.session.get_outputs()

    def set_providers(self, providers) -> None:
        self.session.set_providers(providers)

    def run(self, output_names, feed):
        self.feeds.append({name: np.array(value, copy=True) for name, value in feed.items()})
        return self.session.run(output_names, feed)


@pytest.fixture(scope="module")
def detector_path(testdata: Path) -> Path:
    return testdata / "models" / "det_500m.onnx"


@pytest.fixture(scope="module")
def standins(tmp_path_factory) -> dict[str, Path]:
    return write_standins(tmp_path_factory.mktemp("oracle_models"), names=["w600k_r50", "inswapper_128"])


@pytest.fixture(scope="module")
def ours(detector_path: Path) -> ScrfdDetector:
    return ScrfdDetector(ort.InferenceSession(str(detector_path), providers=CPU), score_threshold=0.5)


@pytest.fixture(scope="module")
def reference(detector_path: Path) -> SCRFD:
    detector = SCRFD(model_file=str(detector_path))
    detector.prepare(-1, input_size=(640, 640), det_thresh=0.5, nms_thresh=0.4)
    return detector


def _photo(testdata: Path, name: str) -> np.ndarray:
    image = cv2.imread(str(testdata / "images" / name))
    assert image is not None, name
    return image


def _by_position(boxes: np.ndarray, *arrays: np.ndarray):
    order = np.lexsort((boxes[:, 1], boxes[:, 0]))
    return (boxes[order], *(array[order] for array in arrays))


@pytest.mark.parametrize("name", PHOTOS)
def test_scrfd_boxes_and_keypoints_match_insightface_within_a_pixel(testdata, ours, reference, name):
    image = _photo(testdata, name)
    found = ours.detect(image, 640)
    reference_boxes, reference_keypoints = reference.detect(image, input_size=(640, 640))
    assert len(found) == len(reference_boxes) > 0
    boxes, keypoints, scores = _by_position(found.boxes, found.keypoints, found.scores)
    expected_boxes, expected_keypoints = _by_position(reference_boxes[:, :4], reference_keypoints)
    assert np.abs(boxes - expected_boxes).max() <= 1.0
    assert np.abs(keypoints - expected_keypoints).max() <= 1.0
    np.testing.assert_allclose(scores, _by_position(reference_boxes[:, :4], reference_boxes[:, 4])[1], atol=1e-3)


def test_arcface_embeddings_match_insightface(testdata, ours, standins):
    path = standins["w600k_r50"]
    embedder = ArcFaceEmbedder(ort.InferenceSession(str(path), providers=CPU))
    oracle = ArcFaceONNX(model_file=str(path), session=ort.InferenceSession(str(path), providers=CPU))
    assert (oracle.input_mean, oracle.input_std) == (127.5, 127.5)
    compared = 0
    for name in PHOTOS:
        image = _photo(testdata, name)
        keypoints = ours.detect(image, 640).keypoints
        mine = normalise(embedder.embed(image, list(keypoints)))
        for points, embedding in zip(keypoints, mine, strict=True):
            face = ReferenceFace(kps=points)
            oracle.get(image, face)
            assert float(embedding @ face.normed_embedding) >= 0.999
            compared += 1
    assert compared >= 30  # every face of the four photos, Solvay's 29 included


def test_inswapper_is_fed_what_insightface_feeds_it(testdata, ours, standins):
    path = standins["inswapper_128"]
    embedder_path = standins["w600k_r50"]
    source_image, target_image = _photo(testdata, "obama.jpg"), _photo(testdata, "two_people.jpg")
    oracle_embedder = ArcFaceONNX(model_file=str(embedder_path),
                                  session=ort.InferenceSession(str(embedder_path), providers=CPU))
    embedder = ArcFaceEmbedder(ort.InferenceSession(str(embedder_path), providers=CPU))
    source_points = ours.detect(source_image, 640).keypoints[0]
    source = ReferenceFace(kps=source_points)
    oracle_embedder.get(source_image, source)
    source_embedding = normalise(embedder.embed(source_image, [source_points]))[0]

    recorded_ours, recorded_oracle = RecordingSession(path), RecordingSession(path)
    swapper = InSwapper(recorded_ours, EMAP_CACHE.get(path))
    oracle = ReferenceSwapper(model_file=str(path), session=recorded_oracle)
    np.testing.assert_array_equal(swapper.emap, oracle.emap)
    detections = ours.detect(target_image, 640)
    for box, points in zip(detections.boxes, detections.keypoints, strict=True):
        # The aligned crop: same similarity transform and warp as face_align.norm_crop2.
        crop, matrix = INSWAPPER_ALIGNER.crop(target_image, points)
        oracle_crop, oracle_matrix = face_align.norm_crop2(target_image, points, 128)
        np.testing.assert_allclose(matrix, oracle_matrix, rtol=1e-5, atol=1e-6)
        # warpAffine samples at 1/32 px, so a matrix a few 1e-7 apart can move a sample to the
        # neighbouring step: a level or two on sharp edges, nothing on average.
        crop_difference = np.abs(crop.astype(int) - oracle_crop.astype(int))
        assert crop_difference.max() <= 2 and crop_difference.mean() < 0.005

        swapper.swap(target_image.copy(), Face(box=box, score=1.0, keypoints=points),
                     swapper.source_latent(source_embedding))
        oracle.get(target_image.copy(), ReferenceFace(bbox=box, kps=points), source, paste_back=True)
    assert len(recorded_ours.feeds) == len(recorded_oracle.feeds) == len(detections) >= 2
    for mine, theirs in zip(recorded_ours.feeds, recorded_oracle.feeds, strict=True):
        assert mine.keys() == theirs.keys() == {"target", "source"}
        assert mine["target"].shape == theirs["target"].shape == (1, 3, 128, 128)
        assert mine["target"].dtype == theirs["target"].dtype == np.float32
        assert np.abs(mine["target"] - theirs["target"]).max() <= 2.0 / 255 + 1e-6  # as the crops
        assert mine["source"].shape == theirs["source"].shape == (1, 512)
        cosine = float(mine["source"][0] @ theirs["source"][0])
        assert cosine >= 0.999 and abs(np.linalg.norm(mine["source"]) - 1) < 1e-5
