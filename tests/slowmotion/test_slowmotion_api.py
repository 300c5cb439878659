"""Slow motion through the HTTP API with a real worker (no RIFE weights: the optical-flow
interpolator runs, as on a fresh install)."""
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from apps.jobs.models import Job
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.slowmotion.pricing import slowmotion_price
from tests.worker_process import WorkerPool, broker_purge
from workers.video.probe import MediaProbe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def slowmo_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(tmp_path_factory.mktemp("no_models"))})
    yield pool(concurrency=2)
    pool.stop_all()


@pytest.fixture(scope="module")
def clips(testdata, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("slowmo_clips")
    talking = folder / "talking_1s.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(testdata / "videos" / "liveportrait_d18.mp4"),
                    "-t", "1", "-c:v", "libx264", "-c:a", "aac", str(talking)], check=True)
    short = folder / "silent_1s.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(testdata / "videos" / "liveportrait_d0.mp4"),
                    "-t", "1", "-c:v", "libx264", str(short)], check=True)
    notes = folder / "notes.mp4"
    notes.write_text("not a video")
    return {"talking": talking, "silent": short, "notes": notes, "image": testdata / "images" / "obama.jpg"}


def _api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _create(client, path: Path, **data):
    with open(path, "rb") as video:
        return client.post("/api/slowmotion/", {"source_video": video, **data})


def _run(client, project_id: str, timeout: float = 180) -> dict:
    started = client.post("/api/faceswap/slowmotion/process/", {"project_id": project_id},
                          content_type="application/json")
    assert started.status_code == 200, started.json()
    assert started.json()["slowmotion"]["status"] == "Queued"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/faceswap/slowmotion/progress/{project_id}/").json()
        if body["status"] in ("Done", "Failed", "Cancelled"):
            return body
        time.sleep(0.1)
    raise AssertionError("slow motion did not finish")


def _output(body: dict):
    relpath = body["output_media_url"].split("?", 1)[0].removeprefix("/api/media/")
    return MediaProbe().probe(Path(settings.ISAMURAI_MEDIA_ROOT) / relpath)


def test_fps_mode_doubles_the_frame_rate_keeps_duration(slowmo_worker, make_user, clips):
    user, key = make_user(credits=100)
    client = _api(key)
    created = _create(client, clips["silent"], slowdown_factor="2", quality="480p", mode="fps")
    assert created.status_code == 201, created.json()
    project = created.json()["slowmotion"]
    source = MediaProbe().probe(clips["silent"])
    price = slowmotion_price(factor=2, duration_seconds=source.duration_seconds)
    assert project["status"] == "Draft" and project["estimated_credits"] == price
    assert credit_balance_get(user=user) == 100  # a Draft costs nothing
    body = _run(client, project["id"])
    assert body["status"] == "Done", body
    # The official SDK polls swap-progress/ with whatever id it was given, slow motion included.
    polled = client.get("/api/swap-progress/", {"id": project["id"], "multi": "True"})
    assert polled.status_code == 200
    assert {k: polled.json()[k] for k in ("id", "status", "output_media_url", "error")} == {
        k: body[k] for k in ("id", "status", "output_media_url", "error")}
    output = _output(body)
    assert output.frame_count == (source.frame_count - 1) * 2 + 1
    assert abs(output.fps - 2 * source.fps) < 0.01
    assert abs(output.duration_seconds - source.duration_seconds) < 0.1
    job = Job.objects.get(pk=project["id"])
    assert job.report["interpolator"] == "flow"
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - price


def test_slowmo_mode_is_longer_with_slowed_audio(slowmo_worker, make_user, clips):
    user, key = make_user(credits=100)
    client = _api(key)
    project = _create(client, clips["talking"], slowdown_factor="2", quality="480p", mode="slowmo").json()[
        "slowmotion"]
    body = _run(client, project["id"])
    assert body["status"] == "Done", body
    source, output = MediaProbe().probe(clips["talking"]), _output(body)
    assert output.frame_count == (source.frame_count - 1) * 2 + 1
    assert abs(output.fps - source.fps) < 0.01
    assert output.has_audio
    audio = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                            "stream=duration", "-of", "csv=p=0", str(output.path)],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert abs(float(audio) - output.duration_seconds) < 0.15
    assert output.duration_seconds > 1.8 * source.duration_seconds


@pytest.mark.parametrize(
    ("clip", "data", "field"),
    [
        ("silent", {"slowdown_factor": "3", "quality": "480p", "mode": "fps"}, "slowdown_factor"),
        ("silent", {"slowdown_factor": "2", "quality": "480p", "mode": "reverse"}, "mode"),
        ("silent", {"slowdown_factor": "2", "quality": "4k", "mode": "fps"}, "quality"),
        ("notes", {"slowdown_factor": "2", "quality": "480p", "mode": "fps"}, "source_video"),
        ("image", {"slowdown_factor": "2", "quality": "480p", "mode": "fps"}, "source_video"),
    ],
)
def test_bad_slowmotion_requests_are_400_and_free(slowmo_worker, make_user, clips, clip, data, field):
    user, key = make_user(credits=10)
    response = _create(_api(key), clips[clip], **data)
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]
    assert not Job.objects.filter(user=user).exists()
    assert credit_balance_get(user=user) == 10


def test_process_with_too_few_credits_is_403_and_stays_draft(slowmo_worker, make_user, clips):
    user, key = make_user(credits=1)
    client = _api(key)
    project = _create(client, clips["silent"], slowdown_factor="8", quality="480p", mode="fps").json()["slowmotion"]
    response = client.post("/api/faceswap/slowmotion/process/", {"project_id": project["id"]},
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["error"].startswith("Insufficient credits: need ")
    assert Job.objects.get(pk=project["id"]).status == "Draft" and credit_balance_get(user=user) == 1


def test_swap_progress_answers_for_a_slow_motion_project_of_the_caller_only(make_user, clips):
    _, key = make_user(credits=10)
    client = _api(key)
    project = _create(client, clips["silent"], slowdown_factor="2", quality="480p", mode="fps").json()["slowmotion"]
    for params in ({"id": project["id"]}, {"id": project["id"], "multi": "True"}):
        body = client.get("/api/swap-progress/", params).json()
        assert body["id"] == project["id"] and body["status"] == "Draft" and body["output_media_url"] is None
        assert body == client.get(f"/api/faceswap/slowmotion/progress/{project['id']}/").json()
    _, other_key = make_user()
    assert _api(other_key).get("/api/swap-progress/", {"id": project["id"]}).status_code == 404
