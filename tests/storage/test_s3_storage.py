"""S3-compatible storage: a worker on "another host" (its own media root) fetches the input from
the bucket and publishes the output there; the API answers an expiring presigned URL that
downloads the video. The bucket is moto's S3 server on 127.0.0.1."""
import time

import pytest
import requests
from django.test import Client

from apps.core.storage import LocalMediaStorage, media_storage
from apps.core.uploads import UploadFolder
from apps.jobs.services import job_cancel
from apps.swap.models import FaceSwapJob
from tests.worker_process import WorkerPool, broker_purge, wait_for

from .conftest import BUCKET, s3_worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
TEST_PIPELINES = '{"faceswap": "tests.jobs.pipelines:reencode", "slowmotion": "tests.jobs.pipelines:reencode"}'


@pytest.fixture(scope="module")
def remote_worker(django_db_setup, django_db_blocker, s3_endpoint, tmp_path_factory):
    """A worker with its own, empty media root: it can only get files through the bucket."""
    with django_db_blocker.unblock():
        broker_purge()
    other_host_media = tmp_path_factory.mktemp("other_host_media")
    pool = WorkerPool({"ISAMURAI_PIPELINES_JSON": TEST_PIPELINES, "ISAMURAI_MEDIA_ROOT": str(other_host_media),
                       **s3_worker_env(s3_endpoint)})
    pool(concurrency=1)
    yield other_host_media
    pool.stop_all()


def test_job_across_hosts_through_the_bucket(remote_worker, s3_settings, make_user, testdata):
    user, key = make_user(credits=50)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    with open(testdata / "videos" / "liveportrait_d0.mp4", "rb") as video:
        project = client.post("/api/slowmotion/", {"source_video": video, "slowdown_factor": "2",
                                                   "quality": "480p", "mode": "fps"}).json()["slowmotion"]
    client.post("/api/faceswap/slowmotion/process/", {"project_id": project["id"]}, content_type="application/json")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        body = client.get(f"/api/faceswap/slowmotion/progress/{project['id']}/").json()
        if body["status"] in ("Done", "Failed", "Cancelled"):
            break
        time.sleep(0.1)
    assert body["status"] == "Done", body
    url = body["output_media_url"]
    assert url.startswith(s3_settings.ISAMURAI_S3_ENDPOINT_URL) and "Signature" in url and "Expires" in url
    download = requests.get(url, timeout=10)
    assert download.status_code == 200 and download.content[4:8] == b"ftyp"
    # The worker fetched the input from the bucket (its media root started empty), and when the
    # job ended it dropped it and kept no copy of the published output.
    wait_for(lambda: not any(p.is_file() for p in remote_worker.rglob("*")), timeout=10,
             what="the worker to drop the job's files")
    # The media endpoint sends a host without the file to the bucket.
    relpath = url.split(f"/{BUCKET}/", 1)[1].split("?", 1)[0]
    redirect = Client().get(LocalMediaStorage().url(relpath))  # a signed link of this server
    assert redirect.status_code == 302 and redirect["Location"].startswith(s3_settings.ISAMURAI_S3_ENDPOINT_URL)


def _bucket_keys() -> set[str]:
    listing = media_storage().client.list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listing.get("Contents", [])}


def test_rejected_upload_leaves_nothing_in_the_bucket(s3_settings, make_user, tmp_path):
    user, key = make_user(credits=5)
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video")
    before = _bucket_keys()
    with open(notes, "rb") as video:
        response = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").post(
            "/api/slowmotion/", {"source_video": video, "slowdown_factor": "2", "quality": "480p", "mode": "fps"})
    assert response.status_code == 400
    assert _bucket_keys() == before


def test_a_finished_jobs_leftover_copies_leave_every_worker(remote_worker, s3_settings, make_user, tmp_path):
    """A pool process killed mid-job leaves the job's input on its host (nobody holds it). When the
    job ends, every worker is told to drop its copies: gone in seconds, long before the idle sweep
    (ISAMURAI_WORKER_CACHE_IDLE_SECONDS, 120 s here) would."""
    s3_settings.ISAMURAI_MEDIA_ROOT = tmp_path / "web"
    user, _ = make_user(credits=5)
    folder = UploadFolder.create()
    relpath = folder.save_bytes(b"video bytes", stem="target")
    job = FaceSwapJob.objects.create(user=user, inputs={"target": relpath}, files=[relpath])
    leftover = remote_worker / relpath
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"video bytes")
    job_cancel(user=user, job_id=job.id)  # the job ends (a Draft, stopped)
    wait_for(lambda: not leftover.exists(), timeout=15, interval=0.1, what="the worker to drop the leftover copy")
    assert not leftover.parent.exists()
    folder.remove()
