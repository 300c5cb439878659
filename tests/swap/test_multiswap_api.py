"""Multi-face swap through the HTTP API: analyse a frame, map sources to persons, run the job."""
import base64
import json
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.conf import settings

from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from workers.video.probe import MediaProbe

from .conftest import api, b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _analyse(client, image: Path) -> list[dict]:
    response = client.post("/api/analyse-frame/", {"target_image_base64": b64(image)},
                           content_type="application/json")
    assert response.status_code == 200, response.json()
    return response.json()["analysis"]


def test_analyse_frame_numbers_persons_left_to_right_and_is_free(swap_worker, make_user, derived):
    user, key = make_user(credits=0)
    analysis = _analyse(api(key), derived / "two_faces_frame0.png")
    assert [p["person_id"] for p in analysis] == ["P1", "P2"]
    left, right = analysis
    assert left["bbox"][0] + left["bbox"][2] <= 480 <= right["bbox"][0]
    for person in analysis:
        x, y, w, h = person["bbox"]
        assert w > 20 and h > 20
        thumb = cv2.imdecode(np.frombuffer(base64.b64decode(person["thumbnail"]), np.uint8), cv2.IMREAD_COLOR)
        assert thumb is not None and thumb.shape[0] >= h and thumb.shape[1] >= w  # crop with margin
    assert credit_balance_get(user=user) == 0


def test_analyse_solvay_finds_29_persons(swap_worker, make_user, images):
    _, key = make_user()
    analysis = _analyse(api(key), images / "solvay_conference_1927.png")
    assert len(analysis) == 29
    assert [p["person_id"] for p in analysis] == [f"P{n}" for n in range(1, 30)]
    lefts = [p["bbox"][0] + p["bbox"][2] / 2 for p in analysis]
    assert lefts == sorted(lefts)


def test_analyse_frame_without_faces_is_an_empty_list(swap_worker, make_user, derived):
    _, key = make_user()
    assert _analyse(api(key), derived / "no_face.png") == []


def test_multi_preview_changes_only_mapped_persons(swap_worker, make_user, derived, images):
    user, key = make_user(credits=5)
    client = api(key)
    frame_path = derived / "two_faces_frame0.png"
    analysis = _analyse(client, frame_path)
    analysis[1]["source_image"] = b64(images / "obama.jpg")  # only P2, on the right
    response = client.post("/api/multi-preview-swap-api/", {
        "target_image_base64": b64(frame_path), "analysis_results": analysis}, content_type="application/json")
    assert response.status_code == 200, response.json()
    preview = cv2.imdecode(np.frombuffer(base64.b64decode(response.json()["preview_image"]), np.uint8),
                           cv2.IMREAD_COLOR)
    frame = cv2.imread(str(frame_path))
    diff = np.abs(preview.astype(int) - frame.astype(int)).sum(axis=2)
    x, y, w, h = analysis[1]["bbox"]
    assert diff[y:y + h, x:x + w].mean() > 2 * diff[:, :480].mean()  # right face changed, left half ~JPEG noise
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 4


def test_multiple_face_swap_job_like_the_sdk(swap_worker, make_user, derived, images):
    user, key = make_user(credits=20)
    client = api(key)
    analysis = _analyse(client, derived / "two_faces_frame0.png")
    analysis[0]["source_image"] = b64(images / "obama.jpg")
    analysis[1]["source_image"] = b64(images / "biden.jpg")
    with open(derived / "two_faces_1_5s.mp4", "rb") as target:
        response = client.post("/api/multiple-face-swap/", {
            "target_media": target, "gquality": "480p", "analysis_results": json.dumps(analysis), "name": "Duo"})
    assert response.status_code == 201, response.json()
    job = response.json()["faceswap"]
    assert job["multi"] is True and job["status"] == "Queued" and job["credits_charged"] == 2
    deadline = time.monotonic() + 120
    while True:
        body = client.get("/api/swap-progress/", {"id": job["id"], "multi": "True"}).json()
        if body["status"] in ("Done", "Failed", "Cancelled") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert body["status"] == "Done", body
    media = Path(settings.ISAMURAI_MEDIA_ROOT)
    output = MediaProbe().probe(media / body["output_media_url"].split("?", 1)[0].removeprefix("/api/media/"))
    source = MediaProbe().probe(derived / "two_faces_1_5s.mp4")
    assert output.frame_count == source.frame_count and output.has_audio
    assert (output.width, output.height) == (960, 480)
    assert credit_balance_get(user=user) == 18


@pytest.mark.parametrize(
    ("analysis", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "non-empty list"),
        ('[{"person_id": "X9", "thumbnail": "THUMB", "source_image": "SRC"}]', "unknown person_id"),
        ('[{"person_id": "P1", "thumbnail": "THUMB", "source_image": "SRC"},'
         ' {"person_id": "P1", "thumbnail": "THUMB", "source_image": "SRC"}]', "appears twice"),
        ('[{"person_id": "P1", "thumbnail": "THUMB"}]', "no person has a source_image"),
        ('[{"person_id": "P1", "thumbnail": "THUMB", "source_image": "NOFACE"}]', "source image of P1"),
    ],
)
def test_bad_analysis_results_are_400_and_free(
    swap_worker, make_user, derived, images, nothing_left_behind, analysis, message
):
    user, key = make_user(credits=20)
    client = api(key)
    thumb = _analyse(client, derived / "two_faces_frame0.png")[0]["thumbnail"]
    payload = (analysis.replace("THUMB", thumb).replace("NOFACE", b64(derived / "no_face.png"))
               .replace("SRC", b64(images / "obama.jpg")))
    with open(derived / "two_faces_1_5s.mp4", "rb") as target:
        response = client.post("/api/multiple-face-swap/", {
            "target_media": target, "gquality": "480p", "analysis_results": payload})
    assert response.status_code == 400, response.json()
    assert message in response.json()["error"]
    nothing_left_behind(user, balance=20)
