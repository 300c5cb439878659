"""Retention with a real worker (its Celery beat runs the retention sweep) on the real broker and
database: files deleted after ISAMURAI_RETENTION_HOURS, `expires_at` on job answers, signed links
that stop working, DELETE jobs/<id>/, the admin takedown; nothing is charged or refunded by it."""
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.models import User
from apps.jobs.models import Job, JobStatus
from apps.jobs.services import job_queue, jobs_expire_due
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.ops.retention import retention_sweep
from apps.restore.models import GallerySource, RestoredImage
from apps.restore.selectors import restored_image_url_get
from apps.swap.models import Preview
from tests.worker_process import wait_finished, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# 0.002 h = 7.2 s: long enough to download the output first, short enough to wait for.
SHORT_RETENTION_HOURS = 0.002


def _client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _media() -> Path:
    return Path(settings.ISAMURAI_MEDIA_ROOT)


def _job_files(job: Job) -> list[Path]:
    return [_media() / path for path in [*job.inputs.values(), job.output_file] if path]


def _progress(key: str, job: Job) -> dict:
    return _client(key).get("/api/swap-progress/", {"id": str(job.id)}).json()


def test_output_expires_after_retention_and_its_link_stops_working(workers, make_user, make_job, clip, settings,
                                                                  live_server):
    settings.ISAMURAI_RETENTION_HOURS = SHORT_RETENTION_HOURS
    workers(concurrency=1, ISAMURAI_RETENTION_HOURS=str(SHORT_RETENTION_HOURS), ISAMURAI_RETENTION_SWEEP_SECONDS="1")
    user, key = make_user(credits=20)
    job = job_queue(job=make_job(user, clip), price=5)
    headers = {"Authorization": f"Api-Key {key}"}
    # The official SDK's flow against the live server: poll swap-progress until Done, then download.
    while True:
        body = requests.get(f"{live_server.url}/api/swap-progress/", params={"id": str(job.id)}, headers=headers,
                            timeout=10).json()
        if body["status"] in ("Done", "Failed", "Cancelled"):
            break
        assert body["expires_at"] is None  # running work is never deleted
        time.sleep(0.1)
    assert body["status"] == "Done", body
    job.refresh_from_db()
    assert parse_datetime(body["expires_at"]) == job.finished_at + timedelta(hours=SHORT_RETENTION_HOURS)
    link = body["output_media_url"]
    assert "expires=" in link and "signature=" in link
    download = requests.get(urljoin(live_server.url, link), timeout=10)
    assert download.status_code == 200 and download.content[4:8] == b"ftyp"
    files = _job_files(job)
    assert len(files) == 2 and all(path.is_file() for path in files)

    # The worker's beat deletes the files and marks the job.
    wait_for(lambda: Job.objects.filter(pk=job.pk, expired_at__isnull=False).exists(), timeout=30,
             interval=0.2, what="the retention sweep to expire the job")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.expired_at >= job.finished_at + timedelta(hours=SHORT_RETENTION_HOURS)
    assert not any(path.exists() for path in files)
    assert not any(path.parent.exists() for path in files)  # the upload and output folders too
    body = _progress(key, job)
    assert body["status"] == "Done" and body["output_media_url"] is None and body["error"] is None
    assert parse_datetime(body["expires_at"]) == job.expired_at
    gone = requests.get(urljoin(live_server.url, link), timeout=10)
    assert gone.status_code == 404 and gone.json()["success"] is False
    # Retention moves no credits.
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 15


def test_draft_expires_unstarted_and_cannot_be_charged(make_user, make_job, clip):
    user, key = make_user(credits=50)
    draft = make_job(user, clip)
    fresh = make_job(user, clip)
    Job.objects.filter(pk=draft.pk).update(created_at=timezone.now() - timedelta(hours=73))
    assert _progress(key, draft)["expires_at"] is not None
    counts = jobs_expire_due()
    assert counts == {"jobs": 1, "files": 1}
    draft.refresh_from_db()
    assert draft.status == JobStatus.CANCELLED and draft.expired_at is not None
    assert "Expired" in draft.error and not any(path.exists() for path in _job_files(draft))
    response = _client(key).post("/api/process-swap/", {"instance": str(draft.id)}, content_type="application/json")
    assert response.status_code == 400 and response.json()["success"] is False
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 50
    fresh.refresh_from_db()  # a Draft younger than the retention is kept
    assert fresh.expired_at is None and all(path.is_file() for path in _job_files(fresh))


def test_running_job_is_never_expired(make_user, make_job, clip):
    user, _ = make_user(credits=50)
    job = job_queue(job=make_job(user, clip), price=5)  # no worker here: it stays Queued
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=500))
    assert jobs_expire_due() == {"jobs": 0, "files": 0}
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.expired_at is None
    assert all(path.is_file() for path in _job_files(job))


def test_delete_endpoint_removes_the_files_now(workers, make_user, make_job, clip):
    workers(concurrency=1)
    user, key = make_user(credits=20)
    _, other_key = make_user(credits=1)
    job = wait_finished(job_queue(job=make_job(user, clip), price=5))
    assert job.status == JobStatus.DONE
    link = _progress(key, job)["output_media_url"]
    files = _job_files(job)
    assert Client().get(link).status_code == 200

    not_yours = _client(other_key).delete(f"/api/jobs/{job.id}/")
    assert not_yours.status_code == 404 and all(path.is_file() for path in files)

    response = _client(key).delete(f"/api/jobs/{job.id}")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["success"] is True and body["id"] == str(job.id) and body["status"] == "Done"
    assert body["deleted_files"] == 2
    assert not any(path.exists() for path in files)
    progress = _progress(key, job)
    assert progress["output_media_url"] is None and progress["expires_at"] == body["expires_at"]
    console = Client()
    console.force_login(user)
    page = console.get(f"/jobs/{job.id}/").content.decode()
    assert "Files deleted" in page and 'id="download"' not in page
    assert Client().get(link).status_code == 404
    again = _client(key).delete(f"/api/jobs/{job.id}/")  # idempotent: nothing left to delete
    assert again.status_code == 200 and again.json()["deleted_files"] == 0
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 15


def test_delete_refuses_a_running_job(make_user, make_job, clip):
    user, key = make_user(credits=20)
    job = job_queue(job=make_job(user, clip), price=5)  # stays Queued: no worker in this test
    response = _client(key).delete(f"/api/jobs/{job.id}/")
    assert response.status_code == 400 and "stop-job" in response.json()["error"]
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.expired_at is None
    assert all(path.is_file() for path in _job_files(job))
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 15
    malformed = _client(key).delete("/api/jobs/not-a-uuid/")
    assert malformed.status_code == 400 and "UUID" in malformed.json()["error"]


def test_admin_takedown_stops_a_running_job_and_deletes_its_files(workers, make_user, make_job, clip, client):
    workers(concurrency=1, ISAMURAI_TEST_FRAME_DELAY="0.2")  # 78 frames: ~16 s, stopped early
    admin = User.objects.create_superuser("root", "root@example.com", "pw-for-tests-only")
    client.force_login(admin)
    user, _ = make_user(credits=20)
    job = job_queue(job=make_job(user, clip), price=10)
    wait_for(lambda: Job.objects.filter(pk=job.pk, status=JobStatus.PROCESSING).exists(), timeout=30,
             what="the job to be processing")
    files = _job_files(job)
    response = client.post("/admin/jobs/job/", {"action": "take_down", "_selected_action": [str(job.id)]},
                           follow=True)
    assert "Took down 1 job(s); deleted 1 file(s)." in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.expired_at is not None
    assert not any(path.exists() for path in files)
    # The worker notices the stop and publishes nothing.
    wait_for(lambda: not (_media() / "work" / str(job.id)).exists(), timeout=10, what="the worker to stop")
    job.refresh_from_db()
    assert job.output_file == ""
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 15  # stop-job's 50% refund


def test_sweep_deletes_restores_and_previews_and_keeps_gallery_sources(make_user):
    user, _ = make_user()
    old = timezone.now() - timedelta(hours=73)

    def stored(relpath: str) -> str:
        (_media() / relpath).parent.mkdir(parents=True, exist_ok=True)
        (_media() / relpath).write_bytes(b"\xff\xd8 jpeg bytes")
        return relpath

    restored = RestoredImage.objects.create(user=user, mode="restore", output_file=stored("restored/aa11/restored.jpg"))
    recent = RestoredImage.objects.create(user=user, mode="restore", output_file=stored("restored/bb22/restored.jpg"))
    preview = Preview.objects.create(user=user, output_file=stored("previews/cc33/preview.jpg"))
    source = GallerySource.objects.create(user=user, file=stored("gallery/dd44/source_0.jpg"))
    RestoredImage.objects.filter(pk=restored.pk).update(created_at=old)
    Preview.objects.filter(pk=preview.pk).update(created_at=old)
    GallerySource.objects.filter(pk=source.pk).update(created_at=old)
    restored.refresh_from_db()
    assert restored_image_url_get(record=restored) is None  # past its retention: no link even before the sweep

    counts = retention_sweep()
    assert counts["restored_images"] == 1 and counts["previews"] == 1
    restored.refresh_from_db()
    preview.refresh_from_db()
    assert restored.output_file == "" and restored_image_url_get(record=restored) is None
    assert preview.output_file == ""
    assert not (_media() / "restored/aa11").exists() and not (_media() / "previews/cc33").exists()
    assert (_media() / recent.output_file).is_file()
    assert (_media() / source.file).is_file()  # gallery sources are the user's to delete
    assert Client().get(restored_image_url_get(record=recent)).status_code == 200


def test_no_link_is_handed_out_past_the_retention_even_before_the_sweep(make_user, make_job, clip):
    user, key = make_user()
    job = make_job(user, clip)
    output = _media() / "outputs" / job.id.hex / "faceswap_out.mp4"
    output.parent.mkdir(parents=True)
    output.write_bytes(clip.read_bytes())
    ended = timezone.now() - timedelta(hours=72, minutes=1)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, progress_percentage=100, finished_at=ended,
                                         output_file=str(output.relative_to(_media())))
    body = _progress(key, job)
    assert body["status"] == "Done" and body["output_media_url"] is None
    assert parse_datetime(body["expires_at"]) == ended + timedelta(hours=72)
    assert jobs_expire_due() == {"jobs": 1, "files": 2}
    assert not output.exists()
