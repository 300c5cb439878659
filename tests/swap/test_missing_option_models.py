"""Every option that needs a model answers 503 naming it before any charge (issue 19): the
submit-time check on the fast worker needs the models the job's options declare
(``Option(models=...)``, workers/options.py), the same list the GPU run needs. A module of its
own: its worker must be the only one listening (test_missing_models has a bare one)."""
import shutil

import pytest
from django.test import Client

from apps.ledger.selectors import credit_balance_get
from tests.standin_models import write_standins
from tests.worker_process import WorkerPool, broker_purge

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def no_enhancer_worker(django_db_setup, django_db_blocker, tmp_path_factory, testdata):
    """A worker with everything a plain swap needs, but not the GFPGAN enhancer, and of the other
    swappers only GHOST's weights, without the CrossFace converter GHOST needs."""
    folder = tmp_path_factory.mktemp("no_enhancer_models")
    write_standins(folder, names=["w600k_r50", "inswapper_128", "ghost_2_256"])
    shutil.copyfile(testdata / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(folder)})
    yield pool(concurrency=1)
    pool.stop_all()


@pytest.mark.parametrize("endpoint", ["/api/full-process-swap/", "/api/faceswap/"])
def test_enhance_without_its_model_is_503_before_any_charge(no_enhancer_worker, make_user, images, endpoint,
                                                             nothing_left_behind):
    """The bug of issue 19: the submit-time check built its options without ``enhance``, so the job
    was charged and then failed on the GPU worker. The check now needs every model the job's
    options declare (workers/options.py), so it answers 503 naming GFPGAN and charges nothing."""
    user, key = make_user(credits=10)
    with open(images / "obama.jpg", "rb") as source, open(images / "biden.jpg", "rb") as target:
        response = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").post(endpoint, {
            "source_image": source, "target_media": target, "gquality": "720p", "enhance": "true"})
    assert response.status_code == 503, response.json()
    error = response.json()["error"]
    assert "gfpgan_1.4" in error and "python manage.py download_models --only gfpgan_1.4" in error
    nothing_left_behind(user, balance=10)


def test_the_same_job_without_enhance_is_accepted(no_enhancer_worker, make_user, images):
    """The worker is otherwise complete: only the option that needs the missing model is refused."""
    user, key = make_user(credits=10)
    with open(images / "obama.jpg", "rb") as source, open(images / "biden.jpg", "rb") as target:
        response = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").post("/api/faceswap/", {
            "source_image": source, "target_media": target, "gquality": "720p"})
    assert response.status_code == 201, response.json()
    assert credit_balance_get(user=user) == 10  # a Draft: nothing charged yet


@pytest.mark.parametrize(("swap_model", "missing"), [("hyperswap_1a_256", "hyperswap_1a_256"),
                                                     ("ghost_2_256", "crossface_ghost"),
                                                     ("simswap_256", "simswap_256")])
@pytest.mark.parametrize("endpoint", ["/api/full-process-swap/", "/api/faceswap/"])
def test_a_swap_model_without_its_weights_is_503_before_any_charge(no_enhancer_worker, make_user, images, endpoint,
                                                                   swap_model, missing, nothing_left_behind):
    """A job choosing a swapper whose weights (or converter) the worker lacks is refused at
    submission, naming the missing file and how to install it, with nothing charged or stored."""
    user, key = make_user(credits=10)
    with open(images / "obama.jpg", "rb") as source, open(images / "biden.jpg", "rb") as target:
        response = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").post(endpoint, {
            "source_image": source, "target_media": target, "gquality": "720p", "swap_model": swap_model})
    assert response.status_code == 503, response.json()
    error = response.json()["error"]
    assert missing in error and f"python manage.py download_models --only {missing}" in error
    nothing_left_behind(user, balance=10)

