"""Issue #20 item 12: a bounded, seeded fuzz run. Mutated real JPEG, PNG and MP4 files from
tests/data go through every upload endpoint and verify, with a real worker running the real
pipelines on stand-in models. Zero server errors, zero worker crashes, nothing charged for a
refused file, every refusal names the field, every job that fails is refunded.

ISAMURAI_FUZZ_COUNT (default 160) and ISAMURAI_FUZZ_SEED (default 20) bound and seed it; the
counts are printed and written to $ISAMURAI_DATA_DIR/fuzz-report.json."""
import base64
import io
import json
import os
import random
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from apps.jobs.models import Job, JobStatus
from apps.jobs.runner import GENERIC_FAILURE
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.security.conftest import api
from tests.worker_process import wait_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
COUNT = int(os.environ.get("ISAMURAI_FUZZ_COUNT", "160"))
SEED = int(os.environ.get("ISAMURAI_FUZZ_SEED", "20"))
CREDITS = 100_000


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One of the usual damage patterns, at a random place."""
    data = bytearray(data)
    kind = rng.choice(["flip", "flip", "truncate", "zero", "splice", "insert", "header"])
    if kind == "flip":
        for _ in range(rng.randint(1, 24)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        data = data[:rng.randrange(1, len(data))]
    elif kind == "zero":
        start = rng.randrange(len(data))
        data[start:start + rng.randint(1, 4096)] = b"\x00" * len(data[start:start + rng.randint(1, 4096)])
    elif kind == "splice":
        start, length = rng.randrange(len(data)), rng.randint(16, 8192)
        data[rng.randrange(len(data)):rng.randrange(len(data))] = data[start:start + length]
    elif kind == "insert":
        at = rng.randrange(len(data))
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 512)))
    else:  # the first 64 bytes, where the format's own fields are
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(min(64, len(data)))] = rng.randrange(256)
    return bytes(data), kind


@pytest.fixture(scope="module")
def seeds(tmp_path_factory, testdata) -> dict[str, list[bytes]]:
    folder = tmp_path_factory.mktemp("fuzz_seeds")
    clip = folder / "seed.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(testdata / "videos" / "liveportrait_d0.mp4"), "-t", "1",
                    "-vf", "scale=128:128,setsar=1", "-c:v", "libx264", "-preset", "ultrafast", "-g", "6",
                    "-c:a", "aac", str(clip)], check=True)
    images = testdata / "images"
    small_png = folder / "newton_small.png"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(images / "newton.png"), "-vf", "scale=160:-2",
                    str(small_png)], check=True)
    return {"image": [(images / "obama.jpg").read_bytes(), (images / "biden.jpg").read_bytes(),
                      small_png.read_bytes()],
            "video": [clip.read_bytes()]}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _file(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_fuzzed_uploads_through_every_endpoint(security_worker, make_user, seeds, testdata):
    rng = random.Random(SEED)
    user, key = make_user(credits=CREDITS)
    client = api(key)
    face = (testdata / "images" / "obama.jpg").read_bytes()
    image_endpoints = ["preview-swap-api", "analyse-frame", "full-process-swap:source_image",
                       "full-process-swap:target_media", "restore-image", "gallery/sources", "verify"]
    video_endpoints = ["faceswap:target_media", "slowmotion", "verify"]
    statuses: Counter = Counter()
    by_endpoint: Counter = Counter()
    mutations: Counter = Counter()
    problems: list[str] = []
    paid_sync = 0
    seconds: Counter = Counter()
    for index in range(COUNT):
        started_at = time.monotonic()
        medium = "video" if index % 4 == 3 else "image"
        data, kind = mutate(rng.choice(seeds[medium]), rng)
        mutations[kind] += 1
        endpoint = rng.choice(video_endpoints if medium == "video" else image_endpoints)
        name = "clip.mp4" if medium == "video" else "photo.jpg"
        before = credit_balance_get(user=user)
        jobs_before = set(Job.objects.filter(user=user).values_list("id", flat=True))
        if endpoint == "preview-swap-api":
            field = "target_image_base64"
            response = client.post("/api/preview-swap-api/", {"source_image_base64": _b64(face), field: _b64(data)},
                                   content_type="application/json")
        elif endpoint == "analyse-frame":
            field = "target_image_base64"
            response = client.post("/api/analyse-frame/", {field: _b64(data)}, content_type="application/json")
        elif endpoint.startswith(("full-process-swap", "faceswap")):
            path, field = endpoint.split(":")
            files = {"source_image": _file(face, "s.jpg"), "target_media": _file(face, "t.jpg"), "gquality": "480p"}
            files[field] = _file(data, name)
            response = client.post(f"/api/{path}/", files)
        elif endpoint == "slowmotion":
            field = "source_video"
            response = client.post("/api/slowmotion/", {field: _file(data, name), "slowdown_factor": "2",
                                                        "quality": "480p", "mode": "fps"})
            if response.status_code == 201:
                project = response.json()["slowmotion"]["id"]
                started = client.post("/api/faceswap/slowmotion/process/", {"project_id": project},
                                      content_type="application/json")
                if started.status_code >= 500:
                    problems.append(f"#{index} process {started.status_code}")
        elif endpoint == "restore-image":
            field = "image"
            response = client.post("/api/restore-image/", {field: _file(data, name), "mode": "face_enhance"})
        elif endpoint == "gallery/sources":
            field = "images"
            response = client.post("/api/gallery/sources/", {field: [_file(data, name)]})
        else:
            field = "file"
            response = client.post("/api/verify/", {field: _file(data, name)})
        seconds[endpoint] += time.monotonic() - started_at
        statuses[response.status_code] += 1
        by_endpoint[f"{endpoint} {response.status_code}"] += 1
        if response.status_code >= 500 or response.status_code not in (200, 201, 400):
            problems.append(f"#{index} {endpoint} ({kind}): {response.status_code} {response.content[:200]!r}")
        elif response.status_code == 400:
            error = response.json()["error"]
            if not error.startswith(field) and field not in error.split(":")[0]:
                problems.append(f"#{index} {endpoint} ({kind}): the error names no field: {error}")
            if credit_balance_get(user=user) != before:
                problems.append(f"#{index} {endpoint} ({kind}): charged for a refused file")
            if set(Job.objects.filter(user=user).values_list("id", flat=True)) != jobs_before:
                problems.append(f"#{index} {endpoint} ({kind}): a job was left for a refused file")
        elif endpoint in ("preview-swap-api", "restore-image"):
            paid_sync += before - credit_balance_get(user=user)
    outcomes: Counter = Counter()
    for job in Job.objects.filter(user=user).exclude(status=JobStatus.DRAFT):  # faceswap/ makes Drafts
        try:
            wait_finished(job, timeout=120)
        except AssertionError:
            problems.append(f"job {job.id} ({job.status}) did not finish")
        outcomes[job.status] += 1
        if job.status == JobStatus.FAILED and job.error == GENERIC_FAILURE:
            problems.append(f"job {job.id} failed with an unexpected error")
    outcomes["Draft"] = Job.objects.filter(user=user, status=JobStatus.DRAFT).count()
    charged_jobs = sum(job.credits_charged for job in Job.objects.filter(user=user, status=JobStatus.DONE))
    balance = credit_balance_get(user=user)
    if balance != ledger_sum_get(user=user) or balance != CREDITS - paid_sync - charged_jobs:
        problems.append(f"credits: {balance} left, expected {CREDITS - paid_sync - charged_jobs} "
                        "(failed jobs must be refunded in full)")
    alive = security_worker.process.poll() is None
    log = security_worker.log_path.read_text(errors="replace")
    crashes = sum(log.count(sign) for sign in ("WorkerLostError", "exited with signal", "Segmentation fault"))
    report = {"seed": SEED, "requests": COUNT, "statuses": dict(statuses), "mutations": dict(mutations),
              "by_endpoint": dict(sorted(by_endpoint.items())), "jobs": dict(outcomes),
              "server_errors": sum(n for status, n in statuses.items() if status >= 500),
              "worker_alive": alive, "worker_crashes": crashes, "problems": problems,
              "seconds_by_endpoint": {name: round(value, 1) for name, value in seconds.items()}}
    (Path(settings.DATA_DIR) / "fuzz-report.json").write_text(json.dumps(report, indent=2))
    print("\nfuzz report:", json.dumps(report, indent=2))
    assert alive and crashes == 0, log[-3000:]
    assert problems == []
