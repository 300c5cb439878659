"""API tests of face swap: a real worker running the real pipelines, with the real SCRFD
detector (testdata) and generated stand-ins for ArcFace, inswapper and GFPGAN."""
import base64
import shutil
import subprocess
from pathlib import Path

import cv2
import pytest
from django.conf import settings
from django.test import Client

from apps.jobs.models import Job
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.standin_models import write_standins
from tests.worker_process import WorkerPool, broker_purge


@pytest.fixture(scope="session")
def api_models_dir(tmp_path_factory, testdata) -> Path:
    detector = testdata / "models" / "det_500m.onnx"
    folder = tmp_path_factory.mktemp("api_models")
    write_standins(folder, names=["w600k_r50", "inswapper_128", "gfpgan_1.4",
                                  # every swap_model too
                                  "hyperswap_1a_256", "hyperswap_1b_256", "hyperswap_1c_256", "ghost_1_256",
                                  "ghost_2_256", "ghost_3_256", "simswap_256", "crossface_ghost", "crossface_simswap",
                                  # every enhance_model, upscale and colorize value works here (the
                                  # schema fuzzer picks them); tests/restore/test_enhance_models_api.py
                                  # has its own worker for the missing ones
                                  "codeformer", "gpen_bfr_256", "gpen_bfr_512", "gpen_bfr_1024",
                                  "restoreformer_plus_plus", "real_esrgan_x2", "real_esrgan_x4", "ddcolor"])
    shutil.copyfile(detector, folder / "det_10g.onnx")
    return folder


@pytest.fixture(scope="module")
def swap_worker(django_db_setup, django_db_blocker, api_models_dir):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(api_models_dir)})
    worker = pool(concurrency=2)
    yield worker
    pool.stop_all()


@pytest.fixture(scope="session")
def images(testdata) -> Path:
    return testdata / "images"


@pytest.fixture(scope="session")
def videos(testdata) -> Path:
    return testdata / "videos"


@pytest.fixture(scope="session")
def derived(tmp_path_factory, videos) -> Path:
    """Short clips and still frames cut from the test clips with ffmpeg."""
    folder = tmp_path_factory.mktemp("derived")

    def ffmpeg(*args: str) -> None:
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)

    ffmpeg("-i", str(videos / "liveportrait_d18.mp4"), "-t", "2", "-c:v", "libx264", "-c:a", "aac",
           str(folder / "talking_2s.mp4"))
    ffmpeg("-i", str(videos / "two_faces_hstack.mp4"), "-t", "1.5", "-c:v", "libx264", "-c:a", "aac",
           str(folder / "two_faces_1_5s.mp4"))
    ffmpeg("-i", str(videos / "two_faces_hstack.mp4"), "-frames:v", "1", str(folder / "two_faces_frame0.png"))
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=320x240", "-frames:v", "1", str(folder / "no_face.png"))
    (folder / "notes.mp4").write_text("this is a text file, not a video")
    return folder


def b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _upload_dirs() -> set[str]:
    uploads = Path(settings.ISAMURAI_MEDIA_ROOT) / "uploads"
    return {p.name for p in uploads.iterdir()} if uploads.exists() else set()


@pytest.fixture
def nothing_left_behind():
    """Checks that a rejected request charged nothing, made no job and left no upload behind."""
    before = _upload_dirs()

    def check(user, *, balance: int) -> None:
        assert credit_balance_get(user=user) == ledger_sum_get(user=user) == balance
        assert not Job.objects.filter(user=user).exists()
        assert _upload_dirs() == before

    return check


@pytest.fixture(scope="session")
def portrait(tmp_path_factory, testdata) -> Path:
    """A PNG portrait (PNG in, PNG out: no JPEG noise) with a ~270 px face, under 1080p."""
    image = cv2.imread(str(testdata / "images" / "obama.jpg"))
    path = tmp_path_factory.mktemp("portrait") / "portrait.png"
    cv2.imwrite(str(path), cv2.resize(image, None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA))
    return path
