"""enhance_model, upscale and colorize through the HTTP API with a real worker (issue 22): each
enhancer for swaps (preview and job) and restore, restore's whole-photo upscaling and
colourising, a 503 naming a missing model before any charge, a 400 naming a bad field.

A module of its own: its worker (stand-ins of every new model but GPEN-BFR 256 and 1024, so
those are "missing") must be the only one listening."""
import base64
import shutil
import time

import cv2
import numpy as np
import pytest
from django.test import Client

from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.standin_models import COLORIZER_B, write_standins
from tests.swap.conftest import b64  # images, derived, nothing_left_behind: tests/restore/conftest.py
from tests.worker_process import WorkerPool, broker_purge, media_file
from workers.faces.analyser import FaceAnalyser
from workers.imaging.upscaler import FrameUpscaler
from workers.model_zoo.registry import ModelRegistry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

GPU_CAP = 4096 * 4096
INSTALLED = ["w600k_r50", "inswapper_128", "gfpgan_1.4", "codeformer", "gpen_bfr_512", "restoreformer_plus_plus",
             "real_esrgan_x2", "real_esrgan_x4", "ddcolor"]


@pytest.fixture(scope="module")
def enhance_models_dir(tmp_path_factory, testdata):
    folder = tmp_path_factory.mktemp("enhance_models")
    write_standins(folder, names=INSTALLED)
    shutil.copyfile(testdata / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    return folder


@pytest.fixture(autouse=True)
def _gpu_output_cap(settings):
    settings.ISAMURAI_RESTORE_MAX_OUTPUT_PIXELS = GPU_CAP


@pytest.fixture(scope="module")
def enhance_worker(django_db_setup, django_db_blocker, enhance_models_dir):
    with django_db_blocker.unblock():
        broker_purge()
    # The GPU default of the output cap (a CPU-only server's is 1 megapixel): the photos here upscale past it.
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(enhance_models_dir),
                       "ISAMURAI_RESTORE_MAX_OUTPUT_PIXELS": str(GPU_CAP)})
    yield pool(concurrency=2)
    pool.stop_all()


def _api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _decode(text: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(base64.b64decode(text), np.uint8), cv2.IMREAD_COLOR)


def _restore(client, path, **data):
    with open(path, "rb") as image:
        return client.post("/api/restore-image/", {"image": image, **data})


def _preview(client, images, **options):
    return client.post("/api/preview-swap-api/", {
        "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": b64(images / "biden.jpg"),
        "enhance": True, **options}, content_type="application/json")


def _block_means(image: np.ndarray) -> np.ndarray:
    """8x8 block means: the output's invisible watermark has zero mean over each aligned 8x8 block."""
    high, wide = image.shape[0] // 8 * 8, image.shape[1] // 8 * 8
    return image[:high, :wide].astype(float).reshape(high // 8, 8, wide // 8, 8, 3).mean(axis=(1, 3))


@pytest.mark.parametrize("model", ["gfpgan_1.4", "codeformer", "gpen_bfr_512", "restoreformer_plus_plus"])
def test_each_enhancer_in_a_swap_preview_and_a_restore(enhance_worker, make_user, images, model):
    user, key = make_user(credits=10)
    client = _api(key)
    plain = _preview(client, images, enhance=False)
    enhanced = _preview(client, images, enhance_model=model, codeformer_fidelity=0.2)
    assert plain.status_code == enhanced.status_code == 200, enhanced.json()
    assert np.abs(_decode(plain.json()["image_base64"]).astype(int)
                  - _decode(enhanced.json()["image_base64"]).astype(int)).mean() > 0.05  # the enhancer ran
    restored = _restore(client, images / "obama.jpg", mode="face_enhance", enhance_model=model)
    assert restored.status_code == 200, restored.json()
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10 - 1 - 2 - 1


def test_a_swap_job_with_codeformer(enhance_worker, make_user, images):
    user, key = make_user(credits=10)
    client = _api(key)
    with open(images / "obama.jpg", "rb") as source, open(images / "biden2.jpg", "rb") as target:
        response = client.post("/api/full-process-swap/", {"source_image": source, "target_media": target,
                                                           "gquality": "720p", "enhance": "true",
                                                           "enhance_model": "codeformer"})
    assert response.status_code == 201, response.json()
    job_id = response.json()["faceswap"]["id"]
    deadline = time.monotonic() + 120
    while (body := client.get("/api/swap-progress/", {"id": job_id}).json())["status"] not in ("Done", "Failed"):
        assert time.monotonic() < deadline, "job did not finish"
        time.sleep(0.1)
    assert body["status"] == "Done", body
    assert cv2.imread(str(media_file(body["output_media_url"]))) is not None
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10 - 2


@pytest.mark.parametrize(("endpoint", "model"), [("preview", "gpen_bfr_256"), ("restore", "gpen_bfr_1024"),
                                                 ("job", "gpen_bfr_256")])
def test_a_missing_enhancer_is_503_naming_it_before_any_charge(enhance_worker, make_user, images, endpoint, model,
                                                                nothing_left_behind):
    user, key = make_user(credits=10)
    client = _api(key)
    if endpoint == "preview":
        response = _preview(client, images, enhance_model=model)
    elif endpoint == "restore":
        response = _restore(client, images / "obama.jpg", mode="restore", enhance_model=model)
    else:
        with open(images / "obama.jpg", "rb") as source, open(images / "biden.jpg", "rb") as target:
            response = client.post("/api/full-process-swap/", {"source_image": source, "target_media": target,
                                                               "gquality": "720p", "enhance": "true",
                                                               "enhance_model": model})
    assert response.status_code == 503, response.json()
    assert model in response.json()["error"] and f"download_models --only {model}" in response.json()["error"]
    nothing_left_behind(user, balance=10)


def test_enhance_model_without_enhance_needs_no_enhancer(enhance_worker, make_user, images):
    """enhance_model counts only with enhance (Option(when="enhance")): a missing enhancer named
    by a request that doesn't enhance is no reason to refuse it."""
    user, key = make_user(credits=10)
    response = _preview(_api(key), images, enhance=False, enhance_model="gpen_bfr_256")
    assert response.status_code == 200, response.json()
    assert credit_balance_get(user=user) == 9


@pytest.mark.parametrize(("data", "field"), [
    ({"mode": "restore", "enhance_model": "gfpgan_9"}, "enhance_model"),
    ({"mode": "restore", "codeformer_fidelity": "1.5"}, "codeformer_fidelity"),
    ({"mode": "restore", "upscale": "3"}, "upscale"),
    ({"mode": "face_enhance", "upscale": "2"}, "upscale"),
    ({"mode": "face_enhance", "colorize": "true"}, "colorize"),
    ({"mode": "restore", "colorize": "perhaps"}, "colorize"),
])
def test_bad_restore_options_are_400_naming_the_field(enhance_worker, make_user, images, nothing_left_behind,
                                                      data, field):
    user, key = make_user(credits=10)
    response = _restore(_api(key), images / "obama.jpg", **data)
    assert response.status_code == 400, response.json()
    assert field in str(response.json()), response.json()
    nothing_left_behind(user, balance=10)


@pytest.mark.parametrize(("data", "field"), [({"enhance_model": "gfpgan_9"}, "enhance_model"),
                                             ({"codeformer_fidelity": -0.5}, "codeformer_fidelity")])
def test_bad_enhancer_options_of_a_swap_are_400_naming_the_field(enhance_worker, make_user, images,
                                                                 nothing_left_behind, data, field):
    user, key = make_user(credits=10)
    response = _preview(_api(key), images, **data)
    assert response.status_code == 400 and field in str(response.json()), response.json()
    nothing_left_behind(user, balance=10)


def test_an_upscale_past_the_output_cap_is_400_and_free(enhance_worker, make_user, images, settings,
                                                        nothing_left_behind):
    user, key = make_user(credits=10)
    settings.ISAMURAI_RESTORE_MAX_OUTPUT_PIXELS = 1_000_000
    response = _restore(_api(key), images / "obama.jpg", mode="restore", upscale="4")
    assert response.status_code == 400 and "upscale=4" in response.json()["error"], response.json()
    nothing_left_behind(user, balance=10)


@pytest.mark.parametrize("upscale", ["2", "4"])
def test_restore_upscales_the_whole_photo(enhance_worker, enhance_models_dir, make_user, images, upscale):
    """Output = input x factor; outside the face every pixel is the upscaler's (seen through the
    JPEG and the watermark: 8x8 block means); the face is restored on top; the price adds the
    factor's."""
    user, key = make_user(credits=10)
    response = _restore(_api(key), images / "obama.jpg", mode="restore", upscale=upscale)
    assert response.status_code == 200, response.json()
    factor = int(upscale)
    original = cv2.imread(str(images / "obama.jpg"))
    restored = _decode(response.json()["image_base64"])
    assert restored.shape == (original.shape[0] * factor, original.shape[1] * factor, 3)
    models = ModelRegistry(enhance_models_dir, providers="cpu")
    upscaled = FrameUpscaler(models.session(f"real_esrgan_x{factor}"), factor).upscale(original)
    x1, y1, x2, y2 = FaceAnalyser(models).analyse(upscaled, embed=False)[0].pixel_box(upscaled.shape)
    diff = np.abs(_block_means(restored) - _block_means(upscaled)).sum(axis=2)
    outside = np.ones(diff.shape, bool)
    outside[y1 // 8:-(-y2 // 8), x1 // 8:-(-x2 // 8)] = False
    assert diff[outside].mean() < 3  # JPEG re-encoding only
    assert diff[~outside].mean() > 2 * diff[outside].mean()  # the face enhancer's work
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10 - 1 - {"2": 1, "4": 2}[upscale]


def test_restore_colorizes_a_grey_photo(enhance_worker, make_user, images, tmp_path):
    user, key = make_user(credits=10)
    grey = cv2.cvtColor(cv2.imread(str(images / "newton.png")), cv2.COLOR_BGR2GRAY)
    path = tmp_path / "grey.png"
    cv2.imwrite(str(path), grey)
    response = _restore(_api(key), path, mode="restore", upscale="2", colorize="true")
    assert response.status_code == 200, response.json()
    coloured = _decode(response.json()["image_base64"])
    assert coloured.shape[:2] == (grey.shape[0] * 2, grey.shape[1] * 2)
    lab = cv2.cvtColor(coloured, cv2.COLOR_BGR2LAB).astype(float)  # 8-bit Lab: a, b offset by 128
    assert abs(np.median(lab[:, :, 2]) - 128 - COLORIZER_B) < 4  # the stand-in's b everywhere
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10 - 1 - 1 - 1


def test_a_request_without_the_new_fields_is_as_before(enhance_worker, make_user, derived):
    """mode=restore alone: the classical cleanup (320x240 -> 640x480), one credit."""
    user, key = make_user(credits=1)
    response = _restore(_api(key), derived / "no_face.png", mode="restore")
    assert response.status_code == 200, response.json()
    assert _decode(response.json()["image_base64"]).shape == (480, 640, 3)
    assert credit_balance_get(user=user) == 0


def test_the_console_offers_the_new_options(enhance_worker, make_user, images):
    """The restore page's fields come from the same schema (enhancer, upscale, colourise), and the
    face swap page lists the enhancer with the other quality options."""
    user, _ = make_user(credits=10)
    client = Client()
    client.force_login(user)
    page = client.get("/restore/").content.decode()
    for name in ("enhance_model", "codeformer_fidelity", "upscale", "colorize"):
        assert f'name="{name}"' in page, name
    assert 'value="codeformer"' in page and 'value="4"' in page
    assert 'name="enhance_model"' in client.get("/new/faceswap/").content.decode()
    with open(images / "obama.jpg", "rb") as photo:
        response = client.post("/restore/", {"image": photo, "mode": "restore", "upscale": "2",
                                             "enhance_model": "codeformer"})
    assert response.status_code == 200 and 'id="restore-result"' in response.content.decode()
    assert credit_balance_get(user=user) == 10 - 1 - 1
