"""Hosts that share nothing but the services: the web process (this test process) and two worker
hosts each have their own media root; PostgreSQL, Redis and an S3 bucket (moto's server on
127.0.0.1) are all they share. Every kind of work runs across them with the real pipelines
(SCRFD from tests/data, generated stand-ins for the other models); a job is cancelled from the
web host and retried on the other host when its worker is killed. When work ends no host keeps
any of its files (only model weights, which live outside the media roots), the bucket holds
exactly what the jobs and uploads recorded, and retention and DELETE leave nothing anywhere."""
import base64
import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.utils import timezone

from apps.core.storage import media_storage
from apps.jobs.models import Job, JobStatus
from apps.jobs.services import job_media_paths
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.ops.retention import retention_sweep
from apps.restore.models import GallerySource, RestoredImage
from apps.swap.models import Preview
from tests.standin_models import write_standins
from tests.worker_process import WorkerProcess, broker_purge, wait_finished, wait_for

from .conftest import s3_worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

NODES = ("gpu-a", "gpu-b")


@pytest.fixture(scope="module")
def clips(tmp_path_factory, testdata) -> Path:
    folder = tmp_path_factory.mktemp("cluster_clips")
    videos = testdata / "videos"

    def ffmpeg(*args: str) -> None:
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)

    ffmpeg("-i", str(videos / "liveportrait_d18.mp4"), "-t", "1", "-c:v", "libx264", "-c:a", "aac",
           str(folder / "talking_1s.mp4"))
    ffmpeg("-i", str(videos / "liveportrait_d18.mp4"), "-t", "4", "-c:v", "libx264", "-c:a", "aac",
           str(folder / "talking_4s.mp4"))
    ffmpeg("-i", str(videos / "two_faces_hstack.mp4"), "-t", "0.5", "-c:v", "libx264", "-c:a", "aac",
           str(folder / "two_faces.mp4"))
    ffmpeg("-i", str(videos / "two_faces_hstack.mp4"), "-frames:v", "1", str(folder / "two_faces.png"))
    ffmpeg("-i", str(videos / "liveportrait_d0.mp4"), "-t", "1", "-vf", "scale=256:256", "-c:v", "libx264",
           str(folder / "motion_1s.mp4"))
    return folder


@pytest.fixture(scope="module")
def hosts(django_db_setup, django_db_blocker, s3_endpoint, tmp_path_factory, testdata):
    """Two worker hosts, each with its own (empty) media root and node name; the models folder
    is outside both roots, as model weights are the only thing a host keeps."""
    if settings.CELERY_BROKER_URL == "filesystem://":
        pytest.skip("hosts that share no disk need a network broker (set REDIS_URL): the embedded filesystem "
                    "broker is itself a shared folder, read by one worker at a time")
    with django_db_blocker.unblock():
        broker_purge()
    models = tmp_path_factory.mktemp("cluster_models")
    write_standins(models, names=["w600k_r50", "inswapper_128", "gfpgan_1.4"])
    shutil.copyfile(testdata / "models" / "det_500m.onnx", models / "det_10g.onnx")
    started: dict[str, WorkerProcess] = {}
    for node in NODES:
        root = tmp_path_factory.mktemp(f"{node}_media")
        env = {**s3_worker_env(s3_endpoint), "ISAMURAI_MEDIA_ROOT": str(root), "ISAMURAI_MODELS_DIR": str(models),
               # a cache far smaller than the work: evictions happen, and must never touch a file in use
               "ISAMURAI_WORKER_CACHE_MB": "1",
               "ISAMURAI_WORKER_CACHE_IDLE_SECONDS": "2", "ISAMURAI_WORKER_CACHE_SWEEP_SECONDS": "1",
               # two busy hosts on one small CI machine: a heartbeat may lag a few seconds
               "ISAMURAI_JOB_STALE_SECONDS": "8"}
        with django_db_blocker.unblock():
            started[node] = WorkerProcess(2, node, env).start()
    yield started
    for worker in started.values():
        worker.stop()


@pytest.fixture
def web(s3_settings, tmp_path):
    """This process is the web host: its own media root, S3 storage."""
    s3_settings.ISAMURAI_MEDIA_ROOT = tmp_path / "web_media"
    s3_settings.ISAMURAI_MEDIA_ROOT.mkdir()
    return s3_settings.ISAMURAI_MEDIA_ROOT


def _root(worker: WorkerProcess) -> Path:
    return Path(worker.extra_env["ISAMURAI_MEDIA_ROOT"])


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _all_hosts_empty(web_root: Path, hosts: dict[str, WorkerProcess]) -> bool:
    return not _files(web_root) and not any(_files(_root(worker)) for worker in hosts.values())


def _bucket() -> set[str]:
    return set(media_storage().list_keys())


def _client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content[:500]
    return response.json()


def _swap(client: Client, target: Path, **data) -> str:
    files = {key: open(value, "rb") for key, value in data.items() if isinstance(value, Path)}
    try:
        with open(target, "rb") as handle:
            body = _ok(client.post("/api/full-process-swap/", {
                "target_media": handle, "gquality": "480p", **data, **files}), 201)
    finally:
        for handle in files.values():
            handle.close()
    return body["faceswap"]["id"]


def _node(job: Job) -> str:
    return job.worker.split("@", 1)[0]


def test_every_kind_runs_on_hosts_that_share_no_disk_and_leaves_nothing(hosts, web, make_user, testdata, clips):
    images = testdata / "images"
    before = _bucket()  # other modules' files (the bucket is the session's)
    clients = {}
    for name in ("photo", "video", "multi", "gallery", "slowmotion", "fast"):
        _, key = make_user(credits=100)
        clients[name] = _client(key)

    # Fast-queue work: the web process waits for a worker's answer.
    fast = clients["fast"]
    analysis = _ok(fast.post("/api/analyse-frame/", {"target_image_base64": _b64(clips / "two_faces.png")},
                             content_type="application/json"))["analysis"]
    assert [person["person_id"] for person in analysis] == ["P1", "P2"]
    preview = _ok(fast.post("/api/preview-swap-api/", {"source_image_base64": _b64(images / "obama.jpg"),
                                                       "target_image_base64": _b64(images / "biden2.jpg")},
                            content_type="application/json"))
    assert base64.b64decode(preview["image_base64"])[:2] == b"\xff\xd8"
    with open(images / "biden2.jpg", "rb") as photo:
        restored = _ok(fast.post("/api/restore-image/", {"image": photo, "mode": "face_enhance"}))
    assert restored["status"] == "success" and requests.get(restored["url"], timeout=10).content[:2] == b"\xff\xd8"
    with open(images / "obama.jpg", "rb") as photo:
        gallery = _ok(clients["gallery"].post("/api/gallery/sources/", {"images": [photo]}), 201)["sources"]
    assert gallery[0]["faces_detected"] == 1

    # GPU jobs of every kind, one user each so they run side by side on both hosts.
    jobs = {
        "photo": _swap(clients["photo"], images / "biden2.jpg", source_image=images / "obama.jpg"),
        "video": _swap(clients["video"], clips / "talking_1s.mp4", source_image=images / "biden.jpg"),
        "gallery": _swap(clients["gallery"], images / "biden2.jpg", source_id=gallery[0]["id"]),
    }
    analysis[0]["source_image"] = _b64(images / "obama.jpg")
    analysis[1]["source_image"] = _b64(images / "biden.jpg")
    with open(clips / "two_faces.mp4", "rb") as target:
        multi = _ok(clients["multi"].post("/api/multiple-face-swap/", {
            "target_media": target, "gquality": "480p", "analysis_results": json.dumps(analysis)}), 201)
    jobs["multi"] = multi["faceswap"]["id"]
    with open(clips / "motion_1s.mp4", "rb") as video:
        project = _ok(clients["slowmotion"].post("/api/slowmotion/", {
            "source_video": video, "slowdown_factor": "2", "quality": "480p", "mode": "fps"}), 201)["slowmotion"]
    _ok(clients["slowmotion"].post("/api/faceswap/slowmotion/process/", {"project_id": project["id"]},
                                   content_type="application/json"))
    jobs["slowmotion"] = project["id"]
    assert not _files(web), "the web host keeps no upload once the bucket has it"

    finished = {name: wait_finished(Job.objects.get(pk=job_id), timeout=240) for name, job_id in jobs.items()}
    for name, job in finished.items():
        assert job.status == JobStatus.DONE, (name, job.error)
        assert _node(job) in NODES, job.worker  # the Celery node name of the host that ran it
    for name in ("photo", "video", "gallery", "multi"):
        body = _ok(clients[name].get("/api/swap-progress/", {"id": jobs[name]}))
        download = requests.get(body["output_media_url"], timeout=10)  # a presigned link to the bucket
        assert download.status_code == 200 and len(download.content) > 1000
    body = _ok(clients["slowmotion"].get(f"/api/faceswap/slowmotion/progress/{jobs['slowmotion']}/"))
    assert requests.get(body["output_media_url"], timeout=10).content[4:8] == b"ftyp"

    # Within seconds of the work ending no host holds any of it: not the hosts that ran the
    # jobs, not the ones that ran the submit-time checks, previews or restores, not the web host.
    wait_for(lambda: _all_hosts_empty(web, hosts), timeout=15, interval=0.2, what="every host to drop its copies")

    # The bucket holds exactly what was recorded: every job's files (sources and thumbnails
    # included), the preview, the restored image and the gallery source.
    recorded = {path for job in finished.values() for path in job_media_paths(job=job)}
    recorded |= set(Preview.objects.exclude(output_file="").values_list("output_file", flat=True))
    recorded |= set(RestoredImage.objects.exclude(output_file="").values_list("output_file", flat=True))
    recorded |= set(GallerySource.objects.values_list("file", flat=True))
    assert _bucket() - before == recorded
    multi_files = job_media_paths(job=finished["multi"])
    assert sum("thumbnail_" in path for path in multi_files) == sum("source_" in path for path in multi_files) == 2

    # DELETE (the owner) for some kinds, the retention sweep for the others: nothing stays.
    for name in ("photo", "multi", "slowmotion"):
        deleted = _ok(clients[name].delete(f"/api/jobs/{jobs[name]}/"))
        assert deleted["deleted_files"] == len(job_media_paths(job=finished[name]))
    _ok(clients["gallery"].delete(f"/api/gallery/sources/{gallery[0]['id']}/"))
    long_ago = timezone.now() - timedelta(hours=1000)
    Job.objects.filter(pk__in=[jobs["video"], jobs["gallery"]]).update(finished_at=long_ago)
    Preview.objects.update(created_at=long_ago)
    RestoredImage.objects.update(created_at=long_ago)
    counts = retention_sweep()
    assert counts["jobs"] == 2 and counts["previews"] == 1 and counts["restored_images"] == 1
    assert _bucket() == before
    assert _all_hosts_empty(web, hosts)
    assert Job.objects.filter(pk__in=jobs.values(), expired_at__isnull=True).count() == 0


def test_cancel_and_retry_across_hosts(hosts, web, make_user, testdata, clips):
    images = testdata / "images"
    before = _bucket()

    # Stopped from the web host while a worker host runs it: that host drops the job's files.
    user, key = make_user(credits=100)
    client = _client(key)
    job_id = _swap(client, clips / "talking_4s.mp4", source_image=images / "obama.jpg")
    job = Job.objects.get(pk=job_id)
    wait_for(lambda: Job.objects.filter(pk=job_id, status=JobStatus.PROCESSING, progress_percentage__gt=0).exists(),
             timeout=120, interval=0.1, what="the job to make progress")
    _ok(client.post("/api/stop-job/", {"id": job_id, "type": "faceswap"}, content_type="application/json"))
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    refunded = job.credits_charged // 2  # stop-job's 50%
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - job.credits_charged + refunded
    stopped = job
    wait_for(lambda: _all_hosts_empty(web, hosts), timeout=15, interval=0.2, what="the stopped job's files to go")

    # Its host dies mid-job: the sweeper on the other host retries it there, charged once.
    user, key = make_user(credits=100)
    client = _client(key)
    job_id = _swap(client, clips / "talking_4s.mp4", source_image=images / "biden.jpg")
    wait_for(lambda: Job.objects.filter(pk=job_id, status=JobStatus.PROCESSING, progress_percentage__gt=0).exists(),
             timeout=120, interval=0.1, what="the job to make progress")
    job = Job.objects.get(pk=job_id)
    lost = _node(job)
    dead = hosts[lost]
    dead.kill_hard()
    assert _files(_root(dead)), "the killed host had the job's input and scratch files"
    job = wait_finished(job, timeout=240)
    assert job.status == JobStatus.DONE, job.error
    assert _node(job) != lost and job.attempts == 2
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - job.credits_charged
    body = _ok(client.get("/api/swap-progress/", {"id": job_id}))
    assert requests.get(body["output_media_url"], timeout=10).content[4:8] == b"ftyp"

    # The killed host comes back and drops what its dead process left behind.
    hosts[lost] = WorkerProcess(2, lost, dead.extra_env).start()
    wait_for(lambda: _all_hosts_empty(web, hosts), timeout=15, interval=0.2, what="the restarted host to sweep")

    # Both jobs' files go with retention and DELETE, in the bucket and everywhere else.
    _ok(client.delete(f"/api/jobs/{job_id}/"))
    Job.objects.filter(pk=stopped.pk).update(finished_at=timezone.now() - timedelta(hours=1000))
    assert retention_sweep()["jobs"] == 1
    assert _bucket() == before and _all_hosts_empty(web, hosts)
