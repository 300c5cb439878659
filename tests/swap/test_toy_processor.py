"""The proof of the processor registry (issue 19): a per-frame step is one module. The toy step
of ``tests/swap/toy_tint.py`` declares one option, ``toy_tint``, and is loaded as a plug-in
(``ISAMURAI_PROCESSOR_MODULES``) with no edit anywhere else; the option then shows up in the API
(accepted, validated, stored), OpenAPI, the console's form and script data, and the pipeline
runs the step (a real worker process tints the swapped face)."""
import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from apps.swap.models import FaceSwapJob
from tests.worker_process import WorkerPool, broker_purge, job_done_body, media_file
from workers.faces.analyser import FaceAnalyser
from workers.model_zoo.registry import ModelRegistry
from workers.pipelines.faceswap import swap_image
from workers.pipelines.options import faceswap_options
from workers.processors.registry import processor_module_load, processor_unregister, processors

from .conftest import api
from .toy_tint import TINT_AMOUNT, ToyTint

pytestmark = [pytest.mark.django_db(transaction=True)]
TOY_MODULE = "tests.swap.toy_tint"


@pytest.fixture(scope="module", autouse=True)
def toy_step():
    """The web side loads the step as the server does at start (apps.core ready())."""
    spec = processor_module_load(TOY_MODULE)
    yield spec
    processor_unregister(spec.name)


@pytest.fixture(scope="module")
def toy_worker(django_db_setup, django_db_blocker, api_models_dir):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(api_models_dir), "ISAMURAI_PROCESSOR_MODULES": TOY_MODULE})
    yield pool(concurrency=1)
    pool.stop_all()


def test_the_registry_places_it_by_its_declared_order():
    assert [spec.name for spec in processors()] == [
        "face_swap", "face_mask", "color_match", "toy_tint", "mouth_mask", "paste_back", "face_enhance"]
    assert "toy_tint" in type(faceswap_options()).model_fields


def test_the_api_validates_it_naming_the_field_and_its_values(make_user, images, nothing_left_behind):
    user, key = make_user(credits=10)
    with open(images / "obama.jpg", "rb") as source, open(images / "biden.jpg", "rb") as target:
        response = api(key).post("/api/full-process-swap/", {
            "source_image": source, "target_media": target, "gquality": "720p", "toy_tint": "purple"})
    assert response.status_code == 400, response.json()
    assert "toy_tint: 'purple' is not a valid toy_tint; use none, red or blue." in response.json()["error"]
    nothing_left_behind(user, balance=10)


def test_openapi_documents_it_on_every_swap_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    for path in ("/api/full-process-swap/", "/api/faceswap/", "/api/preview-swap-api/",
                 "/api/multi-preview-swap-api/", "/api/multiple-face-swap/"):
        for media in schema["paths"][path]["post"]["requestBody"]["content"].values():
            prop = components[media["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]["toy_tint"]
            reference = prop.get("$ref") or next((part["$ref"] for part in prop.get("allOf", [])), None)
            enum = components[reference.rsplit("/", 1)[-1]]["enum"] if reference else prop["enum"]
            assert enum == ["none", "red", "blue"], path


def test_the_console_form_and_script_get_it(make_user):
    user, _ = make_user(credits=10)
    browser = Client()
    browser.force_login(user)
    for page in ("console:faceswap-new", "console:multiswap-new"):
        html = browser.get(reverse(page)).content.decode()
        assert re.search(r'<select name="toy_tint"[^>]*id="id_toy_tint"', html), page
        script_data = json.loads(re.search(r'<script id="option-fields" type="application/json">(.*?)</script>',
                                           html, re.S).group(1))
        assert {"name": "toy_tint", "kind": "choice", "default": "none"} in script_data


def test_the_pipeline_runs_it(api_models_dir, images):
    """In process: the same swap with and without the tint differs by the tint inside the face."""
    models = ModelRegistry(api_models_dir, providers="cpu")
    target = cv2.imread(str(images / "obama.jpg"))
    face = FaceAnalyser(models).analyse(target, embed=False)[0]
    plain = swap_image(models, target=target, sources=target, face_selection="all")
    tinted = swap_image(models, target=target, sources=target, face_selection="all", toy_tint="red")
    y1, y2, x1, x2 = _inner_box(face, target.shape)
    shift = tinted[y1:y2, x1:x2].astype(float).mean(axis=(0, 1)) - plain[y1:y2, x1:x2].astype(float).mean(axis=(0, 1))
    assert shift[2] > TINT_AMOUNT / 4 and abs(shift[0]) < TINT_AMOUNT / 8, shift  # red up, blue unchanged


@pytest.mark.slow
def test_a_job_with_it_runs_it_on_the_worker(toy_worker, make_user, images):
    """Through the API to a real worker: stored with the job, run by the GPU pipeline."""
    user, key = make_user(credits=20)
    client = api(key)
    outputs = {}
    for tint in (ToyTint.NONE, ToyTint.BLUE):
        with open(images / "obama.jpg", "rb") as source, open(images / "obama.jpg", "rb") as target:
            response = client.post("/api/full-process-swap/", {
                "source_image": source, "target_media": target, "gquality": "720p", "toy_tint": tint.value})
        assert response.status_code == 201, response.json()
        job_id = response.json()["faceswap"]["id"]
        assert FaceSwapJob.objects.get(id=job_id).quality_options["toy_tint"] == tint.value
        outputs[tint] = cv2.imread(str(media_file(job_done_body(client, job_id)["output_media_url"])))
    difference = outputs[ToyTint.BLUE].astype(float) - outputs[ToyTint.NONE].astype(float)
    changed = np.abs(difference).sum(axis=2) > 30
    assert changed.any()
    assert difference[changed][:, 0].mean() > TINT_AMOUNT / 4  # where the outputs differ, blue went up


def _inner_box(face, shape, fraction=0.3):
    x1, y1, x2, y2 = face.pixel_box(shape)
    dx, dy = int((x2 - x1) * fraction), int((y2 - y1) * fraction)
    return y1 + dy, y2 - dy, x1 + dx, x2 - dx


def test_no_file_of_the_project_names_the_toy_step():
    """A new processor edits no file: the step is registered from this test (and the worker's
    ISAMURAI_PROCESSOR_MODULES), and no module, template or script of the project names it."""
    repo = Path(__file__).resolve().parents[2]
    offenders = [f"{path.relative_to(repo)}" for folder in ("apps", "workers", "isamurai_server")
                 for path in sorted((repo / folder).rglob("*")) if path.suffix in (".py", ".html", ".js")
                 and re.search(r"toy_tint|ToyTint", "\n".join(line.split("#", 1)[0] if path.suffix == ".py" else line
                                                                 for line in path.read_text().splitlines()))]
    assert not offenders, offenders
