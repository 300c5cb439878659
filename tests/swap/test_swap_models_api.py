"""The swapper choice (``swap_model``, issue 22) end to end: each swapper through the swap
endpoints to a real worker.

The worker runs the real SCRFD detector and, for every swapper, a round-trip stand-in with the
model's real signature that adds a colour cast (+0.08 red, -0.08 blue) in RGB [0, 1]: a swap is
then the target plus a known cast, inside the face box only, through each model's own alignment,
normalisation and output reading. Missing weights (503 before any charge) are in
``test_missing_option_models.py``, whose worker lacks them.
"""
import base64
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
from django.test import Client

from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.swap.models import FaceSwapJob
from tests.standin_models import build_round_trip_swapper, write_standins
from tests.worker_process import WorkerPool, broker_purge, job_done_body, media_file
from workers.choices import SWAP_MODELS
from workers.faces.analyser import FaceAnalyser
from workers.model_zoo.registry import ModelRegistry
from workers.video.reader import VideoFrameReader

from .conftest import b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
CAST = (0.08, 0.0, -0.08)
MODELS = [model.value for model in SWAP_MODELS]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory, testdata) -> Path:
    folder = tmp_path_factory.mktemp("swap_model_api_models")
    write_standins(folder, names=["w600k_r50", "crossface_ghost", "crossface_simswap"])
    for model in MODELS:
        onnx.save(build_round_trip_swapper(model, CAST), str(folder / f"{model}.onnx"))
    shutil.copyfile(testdata / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    return folder


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, models_dir):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(models_dir)})
    yield pool(concurrency=2)
    pool.stop_all()


@pytest.fixture(scope="module")
def analyser(models_dir) -> FaceAnalyser:
    return FaceAnalyser(ModelRegistry(models_dir, providers="cpu"))


def _client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _inner(face, shape, fraction=0.3):
    x1, y1, x2, y2 = face.pixel_box(shape)
    dx, dy = int((x2 - x1) * fraction), int((y2 - y1) * fraction)
    return slice(y1 + dy, y2 - dy), slice(x1 + dx, x2 - dx)


def _block_means(image: np.ndarray) -> np.ndarray:
    high, wide = image.shape[0] // 8 * 8, image.shape[1] // 8 * 8
    return image[:high, :wide].astype(float).reshape(high // 8, 8, wide // 8, 8, 3).mean(axis=(1, 3))


def _red_and_blue_shift(result, target, area) -> tuple[float, float]:
    shift = result[area].astype(float).mean(axis=(0, 1)) - target[area].astype(float).mean(axis=(0, 1))
    return float(shift[2]), float(shift[0])  # BGR


@pytest.mark.parametrize("model", MODELS)
def test_each_swap_model_swaps_an_image_through_the_api(worker, make_user, analyser, portrait, model):
    user, key = make_user(credits=10)
    client = _client(key)
    with open(portrait, "rb") as src, open(portrait, "rb") as tgt:
        response = client.post("/api/full-process-swap/", {"source_image": src, "target_media": tgt,
                                                           "gquality": "1080p", "swap_model": model})
    assert response.status_code == 201, response.json()
    job_id = response.json()["faceswap"]["id"]
    assert FaceSwapJob.objects.get(id=job_id).pipeline_options().swap_model.value == model
    result = cv2.imread(str(media_file(job_done_body(client, job_id)["output_media_url"])), cv2.IMREAD_COLOR)
    target = cv2.imread(str(portrait))
    face = analyser.analyse(target, embed=False)[0]
    red, blue = _red_and_blue_shift(result, target, _inner(face, target.shape))
    assert red > 15 and blue < -15  # the cast, 0.08 x 255 = 20 levels, came through this model
    # Outside the face box only the invisible watermark (zero mean per aligned 8x8 block) changes.
    x1, y1, x2, y2 = face.pixel_box(target.shape)
    outside = np.ones((target.shape[0] // 8, target.shape[1] // 8), bool)
    outside[y1 // 8:-(-y2 // 8), x1 // 8:-(-x2 // 8)] = False
    assert np.abs(_block_means(result) - _block_means(target))[outside].max() <= 1
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) < 10


def test_a_video_with_a_256_px_swapper(worker, make_user, analyser, derived, images):
    user, key = make_user(credits=10)
    client = _client(key)
    with open(images / "obama.jpg", "rb") as src, open(derived / "talking_2s.mp4", "rb") as tgt:
        response = client.post("/api/full-process-swap/", {"source_image": src, "target_media": tgt,
                                                           "gquality": "480p", "swap_model": "ghost_2_256",
                                                           "pixel_boost": "auto"})
    assert response.status_code == 201, response.json()
    output = media_file(job_done_body(client, response.json()["faceswap"]["id"])["output_media_url"])
    with VideoFrameReader(derived / "talking_2s.mp4") as reader:
        inputs = [frame.copy() for frame in reader]
    with VideoFrameReader(output) as reader:
        outputs = [frame.copy() for frame in reader]
    assert len(outputs) == len(inputs)
    for index in (0, len(inputs) // 2, len(inputs) - 1):
        faces = analyser.analyse(cv2.resize(inputs[index], outputs[index].shape[1::-1]), embed=False)
        red, _ = _red_and_blue_shift(outputs[index], cv2.resize(inputs[index], outputs[index].shape[1::-1]),
                                     _inner(faces[0], outputs[index].shape))
        assert red > 8, index


def test_multi_swap_and_previews_choose_the_swapper_per_job(worker, make_user, analyser, derived, images,
                                                            portrait):
    user, key = make_user(credits=20)
    client = _client(key)
    frame_path = derived / "two_faces_frame0.png"
    frame = cv2.imread(str(frame_path))
    analysis = client.post("/api/analyse-frame/", {"target_image_base64": b64(frame_path)},
                           content_type="application/json").json()["analysis"]
    for person in analysis:
        person["source_image"] = b64(images / "obama.jpg")
    with open(frame_path, "rb") as target:
        response = client.post("/api/multiple-face-swap/", {
            "target_media": target, "gquality": "1080p", "analysis_results": json.dumps(analysis),
            "swap_model": "simswap_256"})
    assert response.status_code == 201, response.json()
    job_id = response.json()["faceswap"]["id"]
    assert FaceSwapJob.objects.get(id=job_id).quality_options["swap_model"] == "simswap_256"
    result = cv2.imread(str(media_file(job_done_body(client, job_id)["output_media_url"])), cv2.IMREAD_COLOR)
    for face in analyser.analyse(frame, embed=False):
        assert _red_and_blue_shift(result, frame, _inner(face, frame.shape))[0] > 12

    preview = client.post("/api/multi-preview-swap-api/", {
        "target_image_base64": b64(frame_path), "analysis_results": analysis, "swap_model": "hyperswap_1b_256"},
        content_type="application/json")
    assert preview.status_code == 200, preview.json()
    single = client.post("/api/preview-swap-api/", {
        "source_image_base64": b64(portrait), "target_image_base64": b64(portrait), "swap_model": "hyperswap_1c_256"},
        content_type="application/json")
    assert single.status_code == 200, single.json()
    image = cv2.imdecode(np.frombuffer(base64.b64decode(single.json()["image_base64"]), np.uint8),
                         cv2.IMREAD_COLOR)
    target = cv2.imread(str(portrait))
    assert _red_and_blue_shift(image, target, _inner(analyser.analyse(target, embed=False)[0], target.shape))[0] > 12


def test_a_request_without_swap_model_is_an_inswapper_job(worker, make_user, portrait):
    user, key = make_user(credits=10)
    with open(portrait, "rb") as src, open(portrait, "rb") as tgt:
        response = _client(key).post("/api/faceswap/", {"source_image": src, "target_media": tgt, "gquality": "720p"})
    assert response.status_code == 201, response.json()
    job = FaceSwapJob.objects.get(id=response.json()["faceswap"]["id"])
    assert job.pipeline_options().swap_model.value == "inswapper_128"


@pytest.mark.parametrize("endpoint", ["/api/full-process-swap/", "/api/faceswap/"])
def test_a_bad_swap_model_is_400_naming_the_field_and_the_choices(worker, make_user, portrait, nothing_left_behind,
                                                                  endpoint):
    user, key = make_user(credits=10)
    with open(portrait, "rb") as src, open(portrait, "rb") as tgt:
        response = _client(key).post(endpoint, {"source_image": src, "target_media": tgt, "gquality": "720p",
                                                "swap_model": "blendswap_256"})
    assert response.status_code == 400, response.json()
    assert ("'blendswap_256' is not a valid swap_model; use inswapper_128, hyperswap_1a_256, hyperswap_1b_256, "
            "hyperswap_1c_256, ghost_1_256, ghost_2_256, ghost_3_256 or simswap_256.") in response.json()["error"]
    nothing_left_behind(user, balance=10)


def test_a_bad_swap_model_on_a_json_preview_is_400_and_free(worker, make_user, portrait):
    user, key = make_user(credits=5)
    response = _client(key).post("/api/preview-swap-api/", {
        "source_image_base64": b64(portrait), "target_image_base64": b64(portrait), "swap_model": "simswap_512"},
        content_type="application/json")
    assert response.status_code == 400
    assert "'simswap_512' is not a valid swap_model" in response.json()["error"]
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 5


def test_every_swap_endpoint_documents_swap_model(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]

    def enum(prop: dict) -> list:
        reference = prop.get("$ref") or next((part["$ref"] for part in prop.get("allOf", [])), None)
        return components[reference.rsplit("/", 1)[-1]]["enum"] if reference else prop["enum"]

    for path in ("/api/preview-swap-api/", "/api/full-process-swap/", "/api/faceswap/",
                 "/api/multi-preview-swap-api/", "/api/multiple-face-swap/"):
        for media in schema["paths"][path]["post"]["requestBody"]["content"].values():
            properties = components[media["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]
            assert enum(properties["swap_model"]) == MODELS, path
