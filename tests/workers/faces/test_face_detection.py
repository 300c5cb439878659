"""SCRFD decoding and the face analyser, on the real det_500m detector and real photos/clips."""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from workers.faces.analyser import FaceAnalyser
from workers.faces.detector import ScrfdDetector, non_maximum_suppression
from workers.video.reader import VideoFrameReader


@pytest.fixture(scope="module")
def analyser(face_models) -> FaceAnalyser:
    return FaceAnalyser(face_models)


@pytest.mark.parametrize("name,count", [("solvay_conference_1927.png", 29), ("two_people.jpg", 2),
                                        ("obama.jpg", 1), ("biden.jpg", 1), ("newton.png", 1)])
def test_detection_counts_on_photos_at_640(analyser, read_image, name, count):
    image = read_image(name)
    detections = analyser.detector.detect(image, 640)
    assert len(detections) == count
    height, width = image.shape[:2]
    for box, keypoints in zip(detections.boxes, detections.keypoints, strict=True):
        x1, y1, x2, y2 = box
        assert -5 <= x1 < x2 <= width + 5 and -5 <= y1 < y2 <= height + 5
        # Eyes above the mouth corners, every keypoint inside (or at) the box.
        assert keypoints[:2, 1].max() < keypoints[3:, 1].min()
        assert (keypoints[:, 0] >= x1 - 2).all() and (keypoints[:, 0] <= x2 + 2).all()


def test_faces_of_two_people_get_distinct_boxes_left_and_right(analyser, read_image):
    faces = sorted(analyser.analyse(read_image("two_people.jpg")), key=lambda face: face.centre[0])
    assert len(faces) == 2
    assert faces[0].box[2] < faces[1].box[0]
    for face in faces:
        assert face.embedding.shape == (512,)
        assert np.linalg.norm(face.embedding) == pytest.approx(1.0, abs=1e-5)


def test_close_up_clip_has_a_face_in_every_sampled_frame(analyser, videos_dir):
    """liveportrait_d3's face fills the frame: 640 misses most frames, the 320 retry finds them.
    Every 3rd frame of the whole clip is checked (all 354 would cost ~20 s on 2 cores)."""
    missed_at_640 = found = checked = 0
    with VideoFrameReader(videos_dir / "liveportrait_d3.mp4") as reader:
        for index, frame in enumerate(reader):
            if index % 3:
                continue
            checked += 1
            if not len(analyser.detector.detect(frame, 640)):
                missed_at_640 += 1
            found += len(analyser.detect(frame)) >= 1
    assert checked >= 110
    assert found == checked
    assert missed_at_640 > checked // 2  # the fallback really is what finds them


def test_declared_640_outputs_run_smaller_sizes_on_a_full_canvas(face_models, read_image):
    declared = ort.InferenceSession(str(face_models.model_path("det_10g")),
                                    providers=["CPUExecutionProvider"])
    detector = ScrfdDetector(declared)
    assert detector.canvas_size == 640
    assert detector._letterbox(read_image("two_people.jpg"), 320)[0].shape == (640, 640, 3)
    small = detector.detect(read_image("obama.jpg"), 320)
    assert len(small) == 1


def test_the_registry_detector_runs_a_tight_canvas_with_the_same_faces(analyser, face_models,
                                                                      read_image, capfd):
    """The registry drops det_10g's declared 640x640 output lengths, so a 16:9 image runs as
    640x384 (not 640x640) without ONNX Runtime's shape warnings, and finds the same faces."""
    assert analyser.detector.canvas_size is None
    session = analyser.detector.session
    assert session.get_session_options().get_session_config_entry(
        "session.intra_op.allow_spinning") == "0"
    declared = ScrfdDetector(ort.InferenceSession(str(face_models.model_path("det_10g")),
                                                  providers=["CPUExecutionProvider"]))
    image = read_image("two_people.jpg")  # 1126x661
    assert analyser.detector._letterbox(image, 640)[0].shape == (384, 640, 3)
    capfd.readouterr()
    for size in (640, 320):
        tight, full = analyser.detector.detect(image, size), declared.detect(image, size)
        assert len(tight) == len(full) == 2
        order_tight, order_full = np.argsort(tight.boxes[:, 0]), np.argsort(full.boxes[:, 0])
        # The same faces; only the black padding the network sees below the image differs.
        assert np.abs(tight.boxes[order_tight] - full.boxes[order_full]).max() < 5
        assert np.abs(tight.keypoints[order_tight] - full.keypoints[order_full]).max() < 2
    assert "VerifyOutputSizes" not in capfd.readouterr().err


def test_no_face_in_a_plain_image(analyser):
    assert analyser.analyse(np.full((480, 640, 3), 128, np.uint8)) == []


def test_the_standin_detector_reports_no_faces(standin_models_dir, tmp_path, read_image):
    from tests.standin_models import write_standins
    from workers.model_zoo.registry import ModelRegistry

    write_standins(tmp_path, names=["det_10g"])
    detector = ScrfdDetector(ModelRegistry(tmp_path).session("det_10g"))
    assert len(detector.detect(read_image("two_people.jpg"))) == 0


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 100, 100], [5, 5, 105, 105], [200, 200, 260, 260]], np.float32)
    scores = np.array([0.8, 0.9, 0.7], np.float32)
    assert non_maximum_suppression(boxes, scores, 0.4).tolist() == [1, 2]
