"""A long video split over two worker hosts that share no disk: each has its own media root, and
PostgreSQL, Redis and an S3 bucket (moto's server on 127.0.0.1) are all they share. The parts reach
the joining host through the bucket, are recorded with the job while they exist, and no host or
bucket keeps any of them once the job is done."""
import subprocess
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client

from apps.core.storage import media_storage
from apps.jobs.models import Job, JobSegment, JobStatus
from apps.jobs.services import job_media_paths
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.standin_models import write_standins
from tests.worker_process import WorkerProcess, broker_purge, wait_finished, wait_for

from .conftest import s3_worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

NODES = ("seg-a", "seg-b")


@pytest.fixture(scope="module")
def split_hosts(django_db_setup, django_db_blocker, s3_endpoint, tmp_path_factory, testdata):
    if settings.CELERY_BROKER_URL == "filesystem://":
        pytest.fail("hosts that share no disk need a network broker: set REDIS_URL")
    with django_db_blocker.unblock():
        broker_purge()
    models = tmp_path_factory.mktemp("segment_cluster_models")
    write_standins(models, names=["w600k_r50", "inswapper_128"])
    (models / "det_10g.onnx").write_bytes((testdata / "models" / "det_500m.onnx").read_bytes())
    started: dict[str, WorkerProcess] = {}
    for node in NODES:
        env = {**s3_worker_env(s3_endpoint), "ISAMURAI_MEDIA_ROOT": str(tmp_path_factory.mktemp(f"{node}_media")),
               "ISAMURAI_MODELS_DIR": str(models), "ISAMURAI_SEGMENT_SECONDS": "1.5",
               "ISAMURAI_WORKER_CACHE_IDLE_SECONDS": "2", "ISAMURAI_WORKER_CACHE_SWEEP_SECONDS": "1",
               "ISAMURAI_JOB_STALE_SECONDS": "8"}
        with django_db_blocker.unblock():
            started[node] = WorkerProcess(1, node, env).start()
    yield started
    for worker in started.values():
        worker.stop()


@pytest.fixture
def web(s3_settings, tmp_path):
    s3_settings.ISAMURAI_MEDIA_ROOT = tmp_path / "web_media"
    s3_settings.ISAMURAI_MEDIA_ROOT.mkdir()
    return s3_settings.ISAMURAI_MEDIA_ROOT


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _hosts_empty(web_root: Path, hosts: dict[str, WorkerProcess]) -> bool:
    roots = [web_root, *(Path(worker.extra_env["ISAMURAI_MEDIA_ROOT"]) for worker in hosts.values())]
    return not any(_files(root) for root in roots)


def _decoded_frames(data: bytes, folder: Path) -> int:
    path = folder / "out.mp4"
    path.write_bytes(data)
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return int(out.strip())


def test_a_split_job_runs_on_hosts_that_share_no_disk_and_leaves_nothing(split_hosts, web, make_user, testdata,
                                                                          tmp_path):
    before = set(media_storage().list_keys())
    user, key = make_user(credits=100)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    target = tmp_path / "talking_4s.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(testdata / "videos" / "liveportrait_d18.mp4"),
                    "-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", str(target)], check=True)
    with open(target, "rb") as video, open(testdata / "images" / "obama.jpg", "rb") as photo:
        response = client.post("/api/full-process-swap/", {"target_media": video, "source_image": photo,
                                                           "gquality": "480p"})
    assert response.status_code == 201, response.content[:300]
    job_id = response.json()["faceswap"]["id"]
    job = wait_finished(Job.objects.get(pk=job_id), timeout=240)
    assert job.status == JobStatus.DONE, job.error

    segments = list(JobSegment.objects.filter(job_id=job_id))
    assert len(segments) >= 2 and all(s.status == "Done" for s in segments)
    assert {s.worker.split("@", 1)[0] for s in segments} == set(NODES), "both hosts ran parts"
    body = client.get("/api/swap-progress/", {"id": job_id}).json()
    assert [s["index"] for s in body["segments"]] == list(range(len(segments)))
    download = requests.get(body["output_media_url"], timeout=10)  # from the bucket
    assert _decoded_frames(download.content, tmp_path) == 120 == job.report["frames"]
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - job.credits_charged

    # The parts went through the bucket and are gone from it and from every host; the bucket holds
    # exactly what the job records (its upload, source and output).
    wait_for(lambda: _hosts_empty(web, split_hosts), timeout=15, interval=0.2, what="every host to drop its copies")
    assert not any(path.startswith("segments/") for path in job.files)
    assert set(media_storage().list_keys()) - before == set(job_media_paths(job=job))


def test_a_part_whose_host_dies_runs_again_alone_on_the_other_host(split_hosts, web, make_user, testdata, tmp_path):
    user, key = make_user(credits=100)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    target = tmp_path / "talking_6s.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(testdata / "videos" / "liveportrait_d18.mp4"),
                    "-t", "6", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", str(target)], check=True)
    with open(target, "rb") as video, open(testdata / "images" / "biden.jpg", "rb") as photo:
        response = client.post("/api/full-process-swap/", {"target_media": video, "source_image": photo,
                                                           "gquality": "480p"})
    assert response.status_code == 201, response.content[:300]
    job_id = response.json()["faceswap"]["id"]
    running = wait_for(lambda: JobSegment.objects.filter(job_id=job_id, status="Processing", progress__gt=0).first(),
                       timeout=180, interval=0.1, what="a part to make progress")
    lost = running.worker.split("@", 1)[0]
    dead = split_hosts[lost]
    dead.kill_hard()

    job = wait_finished(Job.objects.get(pk=job_id), timeout=240)
    assert job.status == JobStatus.DONE, job.error
    segments = {s.index: s for s in JobSegment.objects.filter(job_id=job_id)}
    retried = segments[running.index]
    assert retried.attempts == 2 and retried.worker.split("@", 1)[0] != lost
    assert all(s.attempts == 1 for index, s in segments.items() if index != running.index), "only it ran again"
    assert job.attempts == 1 and job.report["frames"] == 180
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - job.credits_charged

    # The dead host comes back and drops what its killed process left; nothing stays anywhere.
    split_hosts[lost] = WorkerProcess(1, lost, dead.extra_env).start()
    wait_for(lambda: _hosts_empty(web, split_hosts), timeout=20, interval=0.2, what="every host to drop its copies")
    assert not any(path.startswith("segments/") for path in job.files)
