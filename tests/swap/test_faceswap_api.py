"""Single face swap through the HTTP API, as the official SDK and the docs' examples call it."""
import base64
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.conf import settings

from apps.jobs.models import Job, JobStatus
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.worker_process import media_file, wait_finished, wait_for
from workers.video.probe import MediaProbe

from .conftest import api, b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _upload(client, source: Path, target: Path, **data):
    with open(source, "rb") as src, open(target, "rb") as tgt:
        return client.post("/api/full-process-swap/", {"source_image": src, "target_media": tgt, **data})


def _poll_until_finished(client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get("/api/swap-progress/", {"id": job_id}).json()
        if body["status"] in ("Done", "Failed", "Cancelled"):
            return body
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_full_process_swap_video_like_the_sdk(swap_worker, make_user, images, videos):
    user, key = make_user(credits=100)
    client = api(key)
    response = _upload(client, images / "obama.jpg", videos / "liveportrait_d18.mp4",
                       gquality="480p", name="My Swap", description="Demo", enhance="false")
    assert response.status_code == 201, response.json()
    job = response.json()["faceswap"]
    assert response.json()["success"] is True
    assert job["status"] == "Queued" and job["media_type"] == "video" and job["multi"] is False
    assert job["credits_charged"] == 6  # 7.2 s: ceil(7.2 x 50 / 60)
    body = _poll_until_finished(client, job["id"])
    assert body["status"] == "Done", body
    output = MediaProbe().probe(media_file(body["output_media_url"]))
    source = MediaProbe().probe(videos / "liveportrait_d18.mp4")
    assert output.frame_count == source.frame_count == 216
    assert abs(output.duration_seconds - source.duration_seconds) < 0.1
    assert output.has_audio and (output.width, output.height) == (480, 480)
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 94


def test_draft_then_process_swap_charges_at_process(swap_worker, make_user, images, derived):
    user, key = make_user(credits=10)
    client = api(key)
    with open(images / "biden.jpg", "rb") as src, open(derived / "talking_2s.mp4", "rb") as tgt:
        draft = client.post("/api/faceswap/", {"source_image": src, "target_media": tgt, "gquality": "720p"})
    assert draft.status_code == 201 and draft.json()["faceswap"]["status"] == "Draft"
    assert credit_balance_get(user=user) == 10
    job_id = draft.json()["faceswap"]["id"]
    started = client.post("/api/process-swap/", {"instance": job_id}, content_type="application/json")
    assert started.status_code == 200 and started.json()["faceswap"]["status"] == "Queued"
    assert credit_balance_get(user=user) == 8  # 2 s -> ceil(2 x 50/60) = 2
    assert _poll_until_finished(client, job_id)["status"] == "Done"
    again = client.post("/api/process-swap/", {"instance": job_id}, content_type="application/json")
    assert again.status_code == 400 and credit_balance_get(user=user) == 8


def test_image_target_gives_an_image(swap_worker, make_user, images):
    user, key = make_user(credits=10)
    client = api(key)
    response = _upload(client, images / "obama.jpg", images / "biden2.jpg", gquality="1080p")
    assert response.status_code == 201
    assert response.json()["faceswap"]["media_type"] == "image" and response.json()["faceswap"]["credits_charged"] == 2
    body = _poll_until_finished(client, response.json()["faceswap"]["id"])
    assert body["status"] == "Done", body
    out = cv2.imread(str(media_file(body["output_media_url"])))
    assert cv2.imread(str(images / "biden2.jpg")).shape == (1200, 1200, 3)
    assert out is not None and out.shape == (1080, 1080, 3)  # 1080p: shorter side scaled down to 1080
    assert credit_balance_get(user=user) == 8


def test_preview_returns_a_jpeg_of_the_target_and_charges_once(swap_worker, make_user, images):
    user, key = make_user(credits=10)
    client = api(key)
    response = client.post("/api/preview-swap-api/", {
        "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": b64(images / "biden.jpg"),
        "enhance": False}, content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    image = cv2.imdecode(np.frombuffer(base64.b64decode(body["image_base64"]), np.uint8), cv2.IMREAD_COLOR)
    target = cv2.imread(str(images / "biden.jpg"))
    assert image.shape == target.shape and body["preview_id"]
    assert np.abs(image.astype(int) - target.astype(int)).mean() > 0.1  # the face changed
    enhanced = client.post("/api/preview-swap-api/", {
        "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": b64(images / "biden.jpg"),
        "enhance": True}, content_type="application/json")
    assert enhanced.status_code == 200
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10 - 1 - 2


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("derived:no_face.png", "images:biden.jpg", "source image"),
        ("images:obama.jpg", "derived:no_face.png", "target image"),
    ],
)
def test_preview_without_a_face_is_400_and_free(
    swap_worker, make_user, images, derived, nothing_left_behind, source, target, expected
):
    user, key = make_user(credits=5)
    folders = {"images": images, "derived": derived}

    def path(spec: str) -> Path:
        folder, name = spec.split(":")
        return folders[folder] / name

    response = api(key).post("/api/preview-swap-api/", {
        "source_image_base64": b64(path(source)), "target_image_base64": b64(path(target))},
        content_type="application/json")
    assert response.status_code == 400
    assert expected in response.json()["error"] and "No face" in response.json()["error"]
    nothing_left_behind(user, balance=5)


def test_preview_garbage_base64_is_400_without_a_worker_call(make_user, images, nothing_left_behind):
    user, key = make_user(credits=5)
    client = api(key)
    response = client.post("/api/preview-swap-api/", {
        "source_image_base64": "!!!not base64!!!", "target_image_base64": b64(images / "biden.jpg")},
        content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"].startswith("source_image_base64: Not valid base64")
    not_an_image = client.post("/api/preview-swap-api/", {
        "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": "aGVsbG8="},
        content_type="application/json")
    assert not_an_image.status_code == 400
    assert not_an_image.json()["error"].startswith("target_image_base64: The file is not a JPEG, PNG or WebP")
    nothing_left_behind(user, balance=5)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"gquality": "4k"}, "gquality"),
        ({"name": "x" * 21}, "name"),
        ({"description": "y" * 21}, "description"),
        ({"target": "derived:notes.mp4"}, "target_media"),
        ({"source": "derived:no_face.png"}, "source image"),
        ({"target": None}, "target_media"),
    ],
)
def test_bad_uploads_are_400_and_leave_nothing(
    swap_worker, make_user, images, derived, nothing_left_behind, override, field
):
    user, key = make_user(credits=50)
    source = override.get("source", "images:obama.jpg")
    target = override.get("target", "derived:talking_2s.mp4")
    folders = {"images": images, "derived": derived}
    files = {}
    handles = []
    for name, spec in (("source_image", source), ("target_media", target)):
        if spec:
            folder, filename = spec.split(":")
            handles.append(open(folders[folder] / filename, "rb"))
            files[name] = handles[-1]
    data = {"gquality": override.get("gquality", "480p")}
    for extra in ("name", "description"):
        if extra in override:
            data[extra] = override[extra]
    try:
        response = api(key).post("/api/full-process-swap/", {**files, **data})
    finally:
        for handle in handles:
            handle.close()
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["success"] is False and field in body["error"]
    nothing_left_behind(user, balance=50)


def test_insufficient_credits_is_403_with_the_contract_message(
    swap_worker, make_user, images, videos, nothing_left_behind
):
    user, key = make_user(credits=3)
    response = _upload(api(key), images / "obama.jpg", videos / "liveportrait_d18.mp4", gquality="480p")
    assert response.status_code == 403
    assert response.json() == {"error": "Insufficient credits: need 6, have 3", "success": False}
    nothing_left_behind(user, balance=3)


def test_stop_mid_video_refunds_half_and_leaves_no_output(swap_worker, make_user, images, videos):
    user, key = make_user(credits=100)
    client = api(key)
    job_id = _upload(client, images / "obama.jpg", videos / "liveportrait_d19.mp4", gquality="480p").json()[
        "faceswap"]["id"]
    wait_for(lambda: Job.objects.filter(pk=job_id, status="Processing", progress_percentage__gte=5).exists(),
             timeout=60, what="the swap to be under way")
    stopped = client.post("/api/stop-job/", {"id": job_id, "type": "faceswap"}, content_type="application/json")
    assert stopped.json()["refunded_credits"] == 3  # charged ceil(8.33 x 50/60) = 7, half rounded down
    job = wait_finished(Job.objects.get(pk=job_id))
    time.sleep(2)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.output_file == ""
    outputs = Path(settings.ISAMURAI_MEDIA_ROOT) / "work" / job_id
    assert not outputs.exists()
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - 7 + 3
