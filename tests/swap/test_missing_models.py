"""A worker without model files: endpoints that need them answer 503 naming the model and the
command that installs it, and charge nothing."""
import pytest
from django.test import Client

from apps.ledger.selectors import credit_balance_get
from tests.worker_process import WorkerPool, broker_purge

from .conftest import b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def bare_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(tmp_path_factory.mktemp("empty_models"))})
    yield pool(concurrency=1)
    pool.stop_all()


def test_preview_without_models_is_503_with_the_install_command(bare_worker, make_user, images):
    user, key = make_user(credits=5)
    response = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").post("/api/preview-swap-api/", {
        "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": b64(images / "biden.jpg")},
        content_type="application/json")
    assert response.status_code == 503
    error = response.json()["error"]
    assert "det_10g" in error and "python manage.py download_models --only det_10g" in error
    assert credit_balance_get(user=user) == 5


def test_restore_without_models_is_503(bare_worker, make_user, images):
    user, key = make_user(credits=5)
    with open(images / "obama.jpg", "rb") as image:
        response = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").post("/api/restore-image/",
                                                                    {"image": image, "mode": "face_enhance"})
    error = response.json()["error"]
    assert response.status_code == 503 and "The model 'det_10g' is not installed" in error
    assert "python manage.py download_models --only det_10g" in error
    assert credit_balance_get(user=user) == 5

