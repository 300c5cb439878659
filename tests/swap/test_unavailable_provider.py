"""A worker configured for a GPU that it can't use (ISAMURAI_ORT_PROVIDERS=cuda on an ONNX Runtime
without CUDA, and no ISAMURAI_ALLOW_CPU_FALLBACK): the fast tasks raise ProviderUnavailable, and
the API answers 503 naming the missing provider, charging nothing and keeping nothing."""
import onnxruntime as ort
import pytest

from apps.restore.models import GallerySource
from tests.worker_process import WorkerPool, broker_purge

from .conftest import api, b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MISSING_PROVIDER = "CUDAExecutionProvider"


@pytest.fixture(scope="module")
def gpu_worker_without_gpu(django_db_setup, django_db_blocker, api_models_dir):
    # The point of the test is a provider this ONNX Runtime lacks; the CPU build of requirements.txt does.
    assert MISSING_PROVIDER not in ort.get_available_providers(), "run these tests with the CPU onnxruntime"
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(api_models_dir), "ISAMURAI_ORT_PROVIDERS": "cuda",
                       "ISAMURAI_ALLOW_CPU_FALLBACK": "false"})
    yield pool(concurrency=1)
    pool.stop_all()


def _assert_names_the_provider(response) -> None:
    assert response.status_code == 503, response.json()
    body = response.json()
    assert body["success"] is False
    assert MISSING_PROVIDER in body["error"] and "GPU" in body["error"], body["error"]


def test_preview_on_a_worker_without_its_gpu_is_503_naming_the_provider(gpu_worker_without_gpu, make_user, images):
    user, key = make_user(credits=5)
    response = api(key).post("/api/preview-swap-api/", {
        "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": b64(images / "biden.jpg")},
        content_type="application/json")
    _assert_names_the_provider(response)
    assert not user.previews.exists()


def test_job_submission_and_gallery_upload_are_503_and_leave_nothing(
    gpu_worker_without_gpu, make_user, images, derived, nothing_left_behind
):
    user, key = make_user(credits=50)
    with open(images / "obama.jpg", "rb") as source, open(derived / "talking_2s.mp4", "rb") as target:
        response = api(key).post("/api/full-process-swap/", {
            "source_image": source, "target_media": target, "gquality": "480p"})
    _assert_names_the_provider(response)
    nothing_left_behind(user, balance=50)

    with open(images / "obama.jpg", "rb") as image:
        response = api(key).post("/api/gallery/sources/", {"images": [image]})
    _assert_names_the_provider(response)
    assert not GallerySource.objects.filter(user=user).exists()
