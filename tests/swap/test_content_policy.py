"""Content policy on a real worker with the NSFW classifier's stand-in (its score rises with how
red a picture is overall): refused requests are 400 and charge nothing; flagged jobs run and are
marked for the admin."""
import logging
import shutil
import subprocess
from pathlib import Path

import cv2
import pytest

from apps.accounts.models import User
from apps.core.content_policy import content_policy_mode, content_policy_startup_check
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.slowmotion.models import SlowMotionJob
from apps.swap.models import FaceSwapJob
from tests.standin_models import write_standins
from tests.worker_process import WorkerPool, broker_purge

from .conftest import api, b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def policy_models_dir(api_models_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("policy_models")
    for path in api_models_dir.iterdir():
        shutil.copyfile(path, folder / path.name)
    write_standins(folder, names=["nsfw_vit"])
    return folder


@pytest.fixture(scope="module")
def policy_worker(django_db_setup, django_db_blocker, policy_models_dir):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(policy_models_dir)})
    worker = pool(concurrency=2)
    yield worker
    pool.stop_all()


@pytest.fixture
def policy(settings, policy_models_dir):
    settings.ISAMURAI_MODELS_DIR = policy_models_dir

    def set_mode(mode: str) -> None:
        settings.ISAMURAI_CONTENT_POLICY = mode

    return set_mode


@pytest.fixture(scope="module")
def red_source(images, tmp_path_factory) -> Path:
    """A portrait turned red all over: the stand-in scores it ~1, and it still has a face."""
    image = cv2.imread(str(images / "obama.jpg"))
    image[..., 2] = 255
    image[..., 0] //= 3
    path = tmp_path_factory.mktemp("red") / "red_obama.jpg"
    cv2.imwrite(str(path), image)
    return path


@pytest.fixture(scope="module")
def red_middle_clip(derived, tmp_path_factory) -> Path:
    """talking_2s with its second second tinted red."""
    path = tmp_path_factory.mktemp("redclip") / "red_second.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(derived / "talking_2s.mp4"), "-vf",
                    "colorchannelmixer=rr=1:rb=0:bb=0.2:gg=0.5:enable='gte(t,1)',lutrgb=r=255:enable='gte(t,1)'",
                    "-c:v", "libx264", "-c:a", "copy", str(path)], check=True)
    return path


def _submit(client, source: Path, target: Path):
    with open(source, "rb") as src, open(target, "rb") as tgt:
        return client.post("/api/full-process-swap/", {"source_image": src, "target_media": tgt, "gquality": "480p"})


def test_default_is_block_with_the_model_and_off_with_a_warning_without(settings, policy_models_dir, tmp_path,
                                                                         caplog):
    settings.ISAMURAI_CONTENT_POLICY = ""
    settings.ISAMURAI_MODELS_DIR = policy_models_dir
    assert content_policy_mode() == "block"
    settings.ISAMURAI_MODELS_DIR = tmp_path
    assert content_policy_mode() == "off"
    with caplog.at_level(logging.WARNING):
        content_policy_startup_check()
    assert "content policy is OFF" in caplog.text
    settings.ISAMURAI_CONTENT_POLICY = "flag"
    assert content_policy_mode() == "flag"


def test_blocked_source_is_400_and_charges_nothing(policy_worker, policy, make_user, red_source, derived,
                                                   nothing_left_behind):
    policy("block")
    user, key = make_user(credits=10)
    response = _submit(api(key), red_source, derived / "talking_2s.mp4")
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "the source image looks like sexual content" in response.json()["error"].lower()
    assert "nothing was charged" in response.json()["error"].lower()
    nothing_left_behind(user, balance=10)


def test_blocked_target_frame_names_its_second(policy_worker, policy, make_user, images, red_middle_clip,
                                               nothing_left_behind):
    policy("block")
    user, key = make_user(credits=10)
    response = _submit(api(key), images / "obama.jpg", red_middle_clip)
    assert response.status_code == 400, response.json()
    assert "target video at 1 s" in response.json()["error"]
    nothing_left_behind(user, balance=10)


def test_blocked_preview_is_400_and_free(policy_worker, policy, make_user, red_source, images):
    policy("block")
    user, key = make_user(credits=10)
    response = api(key).post("/api/preview-swap-api/", {
        "source_image_base64": b64(red_source), "target_image_base64": b64(images / "biden.jpg")},
        content_type="application/json")
    assert response.status_code == 400 and "sexual content" in response.json()["error"]
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10


def test_clean_request_passes_block_mode(policy_worker, policy, make_user, images, derived):
    policy("block")
    user, key = make_user(credits=10)
    response = _submit(api(key), images / "obama.jpg", derived / "talking_2s.mp4")
    assert response.status_code == 201, response.json()
    assert FaceSwapJob.objects.get(id=response.json()["faceswap"]["id"]).content_flagged is False


def test_flagged_job_runs_and_is_filterable_in_the_admin(policy_worker, policy, make_user, red_source, images,
                                                         client):
    policy("flag")
    user, key = make_user(credits=10)
    response = _submit(api(key), red_source, images / "biden2.jpg")
    assert response.status_code == 201, response.json()
    job = FaceSwapJob.objects.get(id=response.json()["faceswap"]["id"])
    assert job.content_flagged and "source image" in job.content_flag_reason
    assert credit_balance_get(user=user) == 8
    clean = _submit(api(key), images / "obama.jpg", images / "biden2.jpg")
    assert clean.status_code == 201
    admin = User.objects.create_superuser("policy-admin", "a@example.com", "pw-for-tests-only")
    client.force_login(admin)
    page = client.get("/admin/swap/faceswapjob/", {"content_flagged__exact": "1"}).content.decode()
    assert str(job.id) in page and clean.json()["faceswap"]["id"] not in page


def _slowmotion(client, video: Path):
    with open(video, "rb") as upload:
        return client.post("/api/slowmotion/", {"source_video": upload, "slowdown_factor": "2",
                                               "quality": "480p", "mode": "slowmo"})


def test_slow_motion_upload_is_scanned_before_the_project_exists(policy_worker, policy, make_user,
                                                                 red_middle_clip, derived, nothing_left_behind):
    policy("block")
    user, key = make_user(credits=10)
    response = _slowmotion(api(key), red_middle_clip)
    assert response.status_code == 400, response.json()
    assert "the video at 1 s looks like sexual content" in response.json()["error"].lower()
    nothing_left_behind(user, balance=10)
    policy("flag")
    flagged = _slowmotion(api(key), red_middle_clip)
    assert flagged.status_code == 201, flagged.json()
    project = SlowMotionJob.objects.get(id=flagged.json()["slowmotion"]["id"])
    assert project.content_flagged and "video at 1 s" in project.content_flag_reason
    clean = _slowmotion(api(key), derived / "talking_2s.mp4")
    assert clean.status_code == 201
    assert SlowMotionJob.objects.get(id=clean.json()["slowmotion"]["id"]).content_flagged is False


def test_restore_upload_is_scanned_before_anything_is_charged(policy_worker, policy, make_user, red_source, images):
    policy("block")
    user, key = make_user(credits=10)
    with open(red_source, "rb") as photo:
        refused = api(key).post("/api/restore-image/", {"image": photo, "mode": "face_enhance"})
    assert refused.status_code == 400 and "the image looks like sexual content" in refused.json()["error"].lower()
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10
    with open(images / "obama.jpg", "rb") as photo:
        accepted = api(key).post("/api/restore-image/", {"image": photo, "mode": "face_enhance"})
    assert accepted.status_code == 200, accepted.json()
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 9
