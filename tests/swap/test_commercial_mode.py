"""Commercial mode (ISAMURAI_COMMERCIAL=true, issue 22): only models whose licence allows
commercial use are offered and run. Generic over every options schema: the toy step of
``tests/swap/toy_licensed.py`` declares, as any option does, the models each value needs
(``Option(models=...)``) and a ``commercial_default``; nothing else knows about it.

* a value needing a non-commercial model is a 400 naming the option, the model and its licence,
  before any charge (the web process checks; no worker is asked);
* a commercially usable value is accepted by a real worker (which, like the web process, holds
  the operator's own licences for InsightFace's models: ISAMURAI_COMMERCIAL_LICENSED_MODELS);
* the default becomes the ``commercial_default`` in the API, OpenAPI and the console, whose form
  offers only usable values;
* a model every job of a kind needs (the InsightFace detector) is refused by the model registry
  itself: 503 naming it and its licence, before any charge.
"""
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.errors import error_rule
from apps.core.model_access import model_registry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.swap.models import FaceSwapJob
from apps.swap.tasks import swap_check_sources_task
from tests.worker_process import WorkerPool, broker_purge
from workers.errors import ModelNotLicensed
from workers.model_zoo.licences import LicencePolicy
from workers.model_zoo.registry import ModelRegistry
from workers.pipelines.options import FACESWAP_MODELS
from workers.processors.registry import processor_module_load, processor_unregister

from .conftest import api

pytestmark = [pytest.mark.django_db(transaction=True)]
TOY_MODULE = "tests.swap.toy_licensed"
INSIGHTFACE = "det_10g,w600k_r50,inswapper_128"


@pytest.fixture(scope="module", autouse=True)
def toy_step():
    spec = processor_module_load(TOY_MODULE)
    yield spec
    processor_unregister(spec.name)


@pytest.fixture
def commercial(settings):
    settings.ISAMURAI_COMMERCIAL = True
    settings.ISAMURAI_COMMERCIAL_LICENSED_MODELS = []
    return settings


@pytest.fixture(scope="module")
def licensed_worker(django_db_setup, django_db_blocker, api_models_dir):
    """A commercial-mode worker whose operator holds InsightFace's commercial licence."""
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(api_models_dir), "ISAMURAI_PROCESSOR_MODULES": TOY_MODULE,
                       "ISAMURAI_COMMERCIAL": "true", "ISAMURAI_COMMERCIAL_LICENSED_MODELS": INSIGHTFACE})
    yield pool(concurrency=1)
    pool.stop_all()


def _swap(key: str, images, **fields):
    with open(images / "obama.jpg", "rb") as source, open(images / "biden.jpg", "rb") as target:
        return api(key).post("/api/full-process-swap/", {
            "source_image": source, "target_media": target, "gquality": "720p", **fields})


@pytest.mark.parametrize("field,value", [("toy_model", "closed"), ("toy_closed_step", "true")])
def test_a_value_needing_a_non_commercial_model_is_400_before_any_charge(commercial, make_user, images, field, value,
                                                                         nothing_left_behind):
    user, key = make_user(credits=10)
    response = _swap(key, images, **{field: value})
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert f"{field}={value} is not available" in error
    assert "'inswapper_128'" in error and "non-commercial research use only" in error and "ISAMURAI_COMMERCIAL" in error
    if field == "toy_model":
        assert "Choose toy_model from: open." in error  # what the client can send instead
    nothing_left_behind(user, balance=10)


@pytest.mark.slow
def test_a_commercially_usable_value_runs_on_a_real_worker(commercial, licensed_worker, make_user, images):
    commercial.ISAMURAI_COMMERCIAL_LICENSED_MODELS = INSIGHTFACE.split(",")
    user, key = make_user(credits=20)
    response = _swap(key, images, enhance="true")  # GFPGAN: Apache-2.0; toy_model: its commercial default
    assert response.status_code == 201, response.json()
    job = FaceSwapJob.objects.get(id=response.json()["faceswap"]["id"])
    assert job.quality_options["toy_model"] == "open" and job.enhance is True
    assert job.quality_options["swap_model"] == "ghost_2_256"  # the Apache-2.0 swapper is the default here
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 20 - job.credits_charged
    assert job.credits_charged > 0
    # The operator's licence covers inswapper here, so the closed value is accepted too.
    response = _swap(key, images, toy_model="closed")
    assert response.status_code == 201, response.json()


def test_openapi_and_console_take_the_commercial_default(client, make_user, settings):
    def openapi_default() -> str:
        schema = client.get("/api/schema/", {"format": "json"}).json()
        media = next(iter(schema["paths"]["/api/full-process-swap/"]["post"]["requestBody"]["content"].values()))
        return schema["components"]["schemas"][media["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"][
            "toy_model"]["default"]

    user, _ = make_user(credits=1)
    browser = Client()
    browser.force_login(user)

    def console() -> tuple[str, list[dict]]:
        html = browser.get(reverse("console:faceswap-new")).content.decode()
        data = json.loads(re.search(r'<script id="option-fields" type="application/json">(.*?)</script>',
                                    html, re.S).group(1))
        return html, data

    assert openapi_default() == "closed"
    html, data = console()
    assert 'value="closed"' in html and {"name": "toy_model", "kind": "choice", "default": "closed"} in data
    assert not re.search(r'<input type="checkbox" name="toy_closed_step"[^>]*disabled', html)

    settings.ISAMURAI_COMMERCIAL = True
    settings.ISAMURAI_COMMERCIAL_LICENSED_MODELS = []
    assert openapi_default() == "open"
    html, data = console()
    select = re.search(r'<select name="toy_model".*?</select>', html, re.S).group(0)
    assert 'value="open"' in select and 'value="closed"' not in select  # not offered
    assert {"name": "toy_model", "kind": "choice", "default": "open"} in data
    assert re.search(r'<input type="checkbox" name="toy_closed_step"[^>]*disabled', html)  # shown, not usable


def test_the_registry_refuses_a_non_commercial_model_a_kind_always_needs(api_models_dir):
    """det_10g (InsightFace, non-commercial) is installed, but never loaded in commercial mode:
    the error is a 503 naming it and its licence, and what the operator can do."""
    registry = ModelRegistry(api_models_dir, providers="cpu", licences=LicencePolicy(commercial=True))
    assert not registry.is_available("det_10g") and registry.is_available("gfpgan_1.4")
    with pytest.raises(ModelNotLicensed) as refused:
        registry.require(FACESWAP_MODELS)
    assert error_rule(refused.value).http_status == 503
    message = refused.value.user_message
    assert "'det_10g'" in message and "non-commercial research use only" in message
    assert "ISAMURAI_COMMERCIAL_LICENSED_MODELS" in message and "download_models" not in message
    licensed = LicencePolicy(commercial=True, licensed=frozenset({"det_10g", "w600k_r50", "inswapper_128"}))
    ModelRegistry(api_models_dir, providers="cpu", licences=licensed).require(FACESWAP_MODELS)
    ModelRegistry(api_models_dir, providers="cpu").require(FACESWAP_MODELS)  # not commercial: all allowed


def test_the_submit_check_answers_503_naming_the_detector(commercial, api_models_dir):
    """The fast worker's check before any charge (run in this process with the same settings)."""
    commercial.ISAMURAI_MODELS_DIR = api_models_dir
    model_registry.cache_clear()
    try:
        answer = swap_check_sources_task(persons=[], options={})
    finally:
        model_registry.cache_clear()
    assert answer["ok"] is False and answer["category"] == "unavailable"
    assert "'det_10g'" in answer["error"] and "commercial" in answer["error"]
