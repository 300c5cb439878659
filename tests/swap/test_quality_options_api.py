"""The quality options (issue 15) end to end: each one through a swap endpoint to a real worker.

The worker runs the real SCRFD detector with a round-trip swapper stand-in that adds a colour
cast (+0.08 red, -0.08 blue): a "swap" is then the target plus a known cast, so what each
option does shows in the output pixels. The worker has the XSeg stand-in but no face parser,
so the region mask answers 503 naming the missing model.
"""
import base64
import json
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
from django.test import Client

from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.swap.models import FaceSwapJob
from tests.standin_models import build_round_trip_inswapper, write_standins
from tests.worker_process import WorkerPool, broker_purge, job_done_body, media_file
from workers.faces.analyser import FaceAnalyser
from workers.faces.color import to_lab
from workers.model_zoo.registry import ModelRegistry
from workers.video.reader import VideoFrameReader

from .conftest import b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
CAST = (0.08, 0.0, -0.08)


@pytest.fixture(scope="module")
def cast_models_dir(tmp_path_factory, testdata) -> Path:
    folder = tmp_path_factory.mktemp("cast_models")
    write_standins(folder, names=["w600k_r50", "gfpgan_1.4", "xseg_1"])
    onnx.save(build_round_trip_inswapper(CAST), str(folder / "inswapper_128.onnx"))
    shutil.copyfile(testdata / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    return folder


@pytest.fixture(scope="module")
def cast_worker(django_db_setup, django_db_blocker, cast_models_dir):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(cast_models_dir)})
    yield pool(concurrency=2)
    pool.stop_all()


@pytest.fixture(scope="module")
def analyser(cast_models_dir) -> FaceAnalyser:
    return FaceAnalyser(ModelRegistry(cast_models_dir, providers="cpu"))


def _client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _swap_image_job(client, source: Path, target: Path, endpoint="/api/full-process-swap/", **options):
    with open(source, "rb") as src, open(target, "rb") as tgt:
        response = client.post(endpoint, {"source_image": src, "target_media": tgt, "gquality": "1080p",
                                          **options})
    assert response.status_code == 201, response.json()
    return response.json()["faceswap"]["id"]


def _result_image(client, job_id: str) -> np.ndarray:
    return cv2.imread(str(media_file(job_done_body(client, job_id)["output_media_url"])), cv2.IMREAD_COLOR)


def _inner(face, shape, fraction=0.25):
    x1, y1, x2, y2 = face.pixel_box(shape)
    dx, dy = int((x2 - x1) * fraction), int((y2 - y1) * fraction)
    return slice(y1 + dy, y2 - dy), slice(x1 + dx, x2 - dx)


def _lab_distance(first, second, area) -> float:
    return float(np.linalg.norm(to_lab(first[area]) - to_lab(second[area]), axis=-1).mean())


def _block_means(image: np.ndarray) -> np.ndarray:
    high, wide = image.shape[0] // 8 * 8, image.shape[1] // 8 * 8
    return image[:high, :wide].astype(float).reshape(high // 8, 8, wide // 8, 8, 3).mean(axis=(1, 3))


def _decode_b64(text: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(base64.b64decode(text), np.uint8), cv2.IMREAD_COLOR)


def test_pixel_boost_512_keeps_the_detail_128_loses(cast_worker, make_user, analyser, portrait):
    user, key = make_user(credits=10)
    client = _client(key)
    target = cv2.imread(str(portrait))
    face = analyser.analyse(target, embed=False)[0]
    plain_id = _swap_image_job(client, portrait, portrait)
    boosted_id = _swap_image_job(client, portrait, portrait, pixel_boost="512")
    assert FaceSwapJob.objects.get(id=boosted_id).quality_options["pixel_boost"] == "512"
    plain, boosted = _result_image(client, plain_id), _result_image(client, boosted_id)
    assert plain.shape == boosted.shape == target.shape
    area = _inner(face, target.shape)

    def detail_lost(result):  # the cast is the same everywhere; what varies around it is lost detail
        return float((result[area].astype(float) - target[area]).std(axis=(0, 1)).mean())

    assert detail_lost(boosted) < 0.6 * detail_lost(plain)
    # Outside the face box nothing changes but the output's invisible watermark, which has zero
    # mean over each aligned 8x8 block (workers.provenance.watermark): compared as block means.
    x1, y1, x2, y2 = face.pixel_box(target.shape)
    blocks_outside = np.ones((target.shape[0] // 8, target.shape[1] // 8), bool)
    blocks_outside[y1 // 8:-(-y2 // 8), x1 // 8:-(-x2 // 8)] = False
    assert np.abs(_block_means(boosted) - _block_means(target))[blocks_outside].max() <= 1
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 6


def test_color_match_on_the_json_preview(cast_worker, make_user, analyser, portrait, images):
    user, key = make_user(credits=5)
    client = _client(key)
    target = cv2.imread(str(portrait))
    area = _inner(analyser.analyse(target, embed=False)[0], target.shape)
    answers = {}
    for color_match in (False, True):
        response = client.post("/api/preview-swap-api/", {
            "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": b64(portrait),
            "color_match": color_match, "pixel_boost": "auto"}, content_type="application/json")
        assert response.status_code == 200, response.json()
        answers[color_match] = _decode_b64(response.json()["image_base64"])
    assert _lab_distance(answers[False], target, area) > 8
    assert _lab_distance(answers[True], target, area) <= 3.5  # JPEG q90 adds about one unit
    assert credit_balance_get(user=user) == 3


def test_mouth_mask_on_the_multi_preview(cast_worker, make_user, analyser, derived, images):
    user, key = make_user(credits=5)
    client = _client(key)
    frame_path = derived / "two_faces_frame0.png"
    frame = cv2.imread(str(frame_path))
    analysis = client.post("/api/analyse-frame/", {"target_image_base64": b64(frame_path)},
                           content_type="application/json").json()["analysis"]
    for person in analysis:
        person["source_image"] = b64(images / "obama.jpg")
    results = {}
    for mouth_mask in (False, True):
        response = client.post("/api/multi-preview-swap-api/", {
            "target_image_base64": b64(frame_path), "analysis_results": analysis, "mouth_mask": mouth_mask},
            content_type="application/json")
        assert response.status_code == 200, response.json()
        results[mouth_mask] = _decode_b64(response.json()["preview_image"]).astype(int)
    for face in analyser.analyse(frame, embed=False):
        left, right = face.keypoints[3], face.keypoints[4]
        mouth = np.zeros(frame.shape[:2], np.uint8)
        centre = (left + right) / 2
        cv2.circle(mouth, (int(centre[0]), int(centre[1])), max(2, int(0.17 * np.hypot(*(right - left)))), 1, -1)
        mouth = mouth.astype(bool)
        red_shift = {masked: float((results[masked][mouth][:, 2] - frame[mouth][:, 2]).mean())
                     for masked in results}
        assert red_shift[False] > 12  # the cast: +0.08 x 255
        assert abs(red_shift[True]) < 3  # the target's own mouth (JPEG noise only)
    assert credit_balance_get(user=user) == 3


def test_occlusion_mask_in_a_multipart_multi_job(cast_worker, make_user, derived, images):
    """face_mask sent as repeated multipart fields; the occluder keeps part of each face."""
    user, key = make_user(credits=20)
    client = _client(key)
    frame_path = derived / "two_faces_frame0.png"
    frame = cv2.imread(str(frame_path)).astype(int)
    analysis = client.post("/api/analyse-frame/", {"target_image_base64": b64(frame_path)},
                           content_type="application/json").json()["analysis"]
    for person in analysis:
        person["source_image"] = b64(images / "obama.jpg")
    changed = {}
    for masks in (["box"], ["box", "occlusion"]):
        with open(frame_path, "rb") as target:
            response = client.post("/api/multiple-face-swap/", {
                "target_media": target, "gquality": "1080p", "analysis_results": json.dumps(analysis),
                "face_mask": masks})
        assert response.status_code == 201, response.json()
        job_id = response.json()["faceswap"]["id"]
        assert FaceSwapJob.objects.get(id=job_id).quality_options["face_mask"] == masks
        result = _result_image(client, job_id).astype(int)
        changed[len(masks)] = int((np.abs(result - frame).max(axis=2) > 4).sum())
    assert 0 < changed[2] < 0.98 * changed[1]  # the stand-in occluder hides the bluish pixels


def test_mask_padding_and_blur_on_a_draft_started_later(cast_worker, make_user, portrait):
    user, key = make_user(credits=10)
    client = _client(key)
    target = cv2.imread(str(portrait)).astype(int)
    changed = {}
    for padding in (8, 30):
        draft_id = _swap_image_job(client, portrait, portrait, endpoint="/api/faceswap/",
                                   face_mask_padding=padding, face_mask_blur=0.1)
        stored = FaceSwapJob.objects.get(id=draft_id).quality_options
        assert stored["face_mask_padding"] == padding and stored["face_mask_blur"] == 0.1
        started = client.post("/api/process-swap/", {"instance": draft_id}, content_type="application/json")
        assert started.status_code == 200, started.json()
        result = _result_image(client, draft_id).astype(int)
        changed[padding] = int((np.abs(result - target).max(axis=2) > 4).sum())
    assert 0 < changed[30] < 0.6 * changed[8]


def test_video_stability_swaps_through_frames_where_the_face_is_hidden(
        cast_worker, make_user, analyser, derived, images, tmp_path):
    """Frames 20 and 21 get a black box over the face (a hand passing): the detector finds
    nothing there, and with video_stability the face is still swapped in those frames."""
    with VideoFrameReader(derived / "talking_2s.mp4") as reader:
        first = next(iter(reader)).copy()
    x1, y1, x2, y2 = analyser.analyse(first, embed=False)[0].pixel_box(first.shape)
    clip = tmp_path / "hidden.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(derived / "talking_2s.mp4"), "-vf",
                    f"drawbox=x={x1}:y={y1}:w={x2 - x1}:h={y2 - y1}:color=black:t=fill:enable='between(n,20,21)'",
                    "-c:v", "libx264", "-crf", "12", "-c:a", "copy", str(clip)], check=True)
    user, key = make_user(credits=10)
    client = _client(key)
    with open(images / "obama.jpg", "rb") as src, open(clip, "rb") as tgt:
        response = client.post("/api/full-process-swap/", {"source_image": src, "target_media": tgt,
                                                           "gquality": "480p", "video_stability": "true"})
    assert response.status_code == 201, response.json()
    output = media_file(job_done_body(client, response.json()["faceswap"]["id"])["output_media_url"])
    with VideoFrameReader(clip) as reader:
        inputs = [frame.copy() for frame in reader]
    with VideoFrameReader(output) as reader:
        outputs = [frame.copy() for frame in reader]
    assert len(outputs) == len(inputs)
    inner = (slice(y1 + (y2 - y1) // 4, y2 - (y2 - y1) // 4), slice(x1 + (x2 - x1) // 4, x2 - (x2 - x1) // 4))
    for index in (10, 20, 21, 30):
        red_shift = float(outputs[index][inner][:, :, 2].astype(int).mean()
                          - inputs[index][inner][:, :, 2].astype(int).mean())
        assert red_shift > 8, index  # swapped (the cast shows), hidden frames included


@pytest.mark.parametrize(("endpoint", "field", "value", "message"), [
    ("/api/full-process-swap/", "pixel_boost", "1024", "'1024' is not a valid pixel_boost; use 128, 256, 384, "
                                                       "512 or auto."),
    ("/api/faceswap/", "face_mask", "box,hands", "'hands' is not a valid face_mask; use box, occlusion or region."),
    ("/api/full-process-swap/", "face_mask_padding", "90", "face_mask_padding"),
    ("/api/full-process-swap/", "face_mask_blur", "2", "face_mask_blur"),
])
def test_bad_values_are_400_naming_the_field_and_free(cast_worker, make_user, portrait, nothing_left_behind,
                                                      endpoint, field, value, message):
    user, key = make_user(credits=10)
    with open(portrait, "rb") as src, open(portrait, "rb") as tgt:
        response = _client(key).post(endpoint, {"source_image": src, "target_media": tgt, "gquality": "720p",
                                                field: value})
    assert response.status_code == 400, response.json()
    assert message in response.json()["error"] and field in response.json()["error"]
    nothing_left_behind(user, balance=10)


def test_bad_value_on_a_json_preview_is_400_and_free(cast_worker, make_user, portrait):
    user, key = make_user(credits=5)
    response = _client(key).post("/api/preview-swap-api/", {
        "source_image_base64": b64(portrait), "target_image_base64": b64(portrait), "face_mask": ["hands"]},
        content_type="application/json")
    assert response.status_code == 400
    assert "'hands' is not a valid face_mask; use box, occlusion or region." in response.json()["error"]
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 5


def test_region_mask_without_the_face_parser_is_503_naming_it(cast_worker, make_user, portrait,
                                                               nothing_left_behind):
    user, key = make_user(credits=10)
    with open(portrait, "rb") as src, open(portrait, "rb") as tgt:
        response = _client(key).post("/api/full-process-swap/", {
            "source_image": src, "target_media": tgt, "gquality": "720p", "face_mask": "box,region"})
    assert response.status_code == 503, response.json()
    assert "bisenet_resnet_34" in response.json()["error"]
    assert "download_models --only bisenet_resnet_34" in response.json()["error"]
    nothing_left_behind(user, balance=10)


def test_every_swap_endpoint_documents_the_options(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]

    def enum(prop: dict) -> list:  # inline, or a shared component reached by $ref / allOf
        reference = prop.get("$ref") or next((part["$ref"] for part in prop.get("allOf", [])), None)
        return components[reference.rsplit("/", 1)[-1]]["enum"] if reference else prop["enum"]

    operations = {"/api/preview-swap-api/", "/api/full-process-swap/", "/api/faceswap/",
                  "/api/multi-preview-swap-api/", "/api/multiple-face-swap/"}
    for path in operations:
        body = schema["paths"][path]["post"]["requestBody"]["content"]
        for media in body.values():
            properties = components[media["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]
            for field in ("pixel_boost", "color_match", "mouth_mask", "face_mask", "face_mask_blur",
                          "face_mask_padding", "video_stability"):
                assert field in properties, (path, field)
            assert enum(properties["face_mask"]["items"]) == ["box", "occlusion", "region"]
            assert enum(properties["pixel_boost"]) == ["128", "256", "384", "512", "auto"]
