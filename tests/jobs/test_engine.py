"""The job engine with a real Celery worker (2 slots) on the real broker and database."""
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from apps.jobs.models import Job, JobStatus
from apps.jobs.services import job_queue, job_work_dir
from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.worker_process import wait_finished, wait_for
from workers.video.probe import MediaProbe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def worker(module_workers):
    # 78 frames x 20 ms: each job processes for ~1.6 s, long enough to observe, short enough to wait for.
    return module_workers(concurrency=2, ISAMURAI_TEST_FRAME_DELAY="0.02")


def _client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _assert_ledger_consistent(*users) -> None:
    for user in users:
        assert credit_balance_get(user=user) == ledger_sum_get(user=user) >= 0


def test_one_user_three_jobs_run_one_at_a_time_in_submission_order(worker, make_user, make_job, clip):
    user, _ = make_user(credits=100)
    jobs = [job_queue(job=make_job(user, clip), price=10) for _ in range(3)]
    max_running = 0

    def all_finished() -> bool:
        nonlocal max_running
        running = Job.objects.filter(user=user, status=JobStatus.PROCESSING).count()
        max_running = max(max_running, running)
        return Job.objects.filter(user=user, status=JobStatus.DONE).count() == 3

    wait_for(all_finished, timeout=120, interval=0.02, what="three jobs to finish")
    for job in jobs:
        job.refresh_from_db()
    assert max_running == 1
    finished = [job.finished_at for job in jobs]
    assert finished == sorted(finished)
    for earlier, later in zip(jobs, jobs[1:], strict=False):
        assert later.started_at >= earlier.finished_at
    for job in jobs:
        output = Path(settings.ISAMURAI_MEDIA_ROOT) / job.output_file
        info = MediaProbe().probe(output)
        assert info.frame_count == 78 and not info.has_audio
        # The pipeline's report object reaches the job row as it was returned (no file between).
        assert job.report == {"frames": 78, "width": info.width, "height": info.height}
        assert job.progress_percentage == 100 and job.credits_charged == 10
    assert credit_balance_get(user=user) == 70
    _assert_ledger_consistent(user)


def test_two_users_jobs_overlap_on_two_slots(worker, make_user, make_job, clip):
    if settings.CELERY_BROKER_URL == "filesystem://":
        pytest.skip("the embedded filesystem broker hands a worker one message at a time; parallel slots need Redis")
    alice, _ = make_user(credits=20)
    bob, _ = make_user(credits=20)
    job_a = job_queue(job=make_job(alice, clip), price=5)
    job_b = job_queue(job=make_job(bob, clip), price=5)
    wait_finished(job_a)
    wait_finished(job_b)
    assert job_a.status == job_b.status == JobStatus.DONE
    assert job_a.started_at < job_b.finished_at and job_b.started_at < job_a.finished_at
    _assert_ledger_consistent(alice, bob)


def test_progress_endpoint_is_monotonic_and_links_the_output(worker, make_user, make_job, clip):
    user, key = make_user(credits=20)
    other, other_key = make_user(credits=1)
    job = job_queue(job=make_job(user, clip, name="demo"), price=5)
    client = _client(key)
    seen: list[int] = []
    while True:
        body = client.get("/api/swap-progress/", {"id": str(job.id), "multi": "True"}).json()
        seen.append(body["progress_percentage"])
        if body["status"] in ("Done", "Failed", "Cancelled"):
            break
        assert body["output_media_url"] is None and body["error"] is None
        assert body["progress_percentage"] < 100
        time.sleep(0.05)
    assert body["status"] == "Done" and seen[-1] == 100
    assert seen == sorted(seen) and any(0 < p < 100 for p in seen)
    media = Client().get(body["output_media_url"])
    assert media.status_code == 200
    assert b"".join(media.streaming_content)[4:8] == b"ftyp"
    not_yours = _client(other_key).get("/api/swap-progress/", {"id": str(job.id)})
    assert not_yours.status_code == 404 and not_yours.json()["success"] is False


def test_queue_position_and_stop_queued_job(worker, make_user, make_job, clip):
    user, key = make_user(credits=100)
    first = job_queue(job=make_job(user, clip), price=10)
    second = job_queue(job=make_job(user, clip), price=7)
    client = _client(key)
    # Positions count waiting jobs (every user's): 2 while the first still waits, 1 once it runs.
    first.refresh_from_db()
    before = first.status
    body = client.get("/api/swap-progress", {"id": str(second.id)}).json()
    first.refresh_from_db()
    assert body["status"] == "Queued" and body["queue_position"] in (1, 2) and body["eta_seconds"] > 0
    if before == first.status:
        assert body["queue_position"] == (2 if before == JobStatus.QUEUED else 1)
    stopped = client.post("/api/stop-job/", {"id": str(second.id), "type": "faceswap"},
                          content_type="application/json")
    assert stopped.status_code == 200
    assert stopped.json() == {"success": True, "id": str(second.id), "status": "Cancelled", "refunded_credits": 3}
    wait_finished(first)
    second.refresh_from_db()
    assert first.status == JobStatus.DONE
    assert second.status == JobStatus.CANCELLED and second.started_at is None
    assert credit_balance_get(user=user) == 100 - 10 - 7 + 3
    _assert_ledger_consistent(user)


def test_stop_processing_job_stops_within_two_seconds_and_frees_the_slot(
    worker, make_user, make_job, clip, settings
):
    user, key = make_user(credits=100)
    slow = make_job(user, clip)
    # Long enough that it can't finish on its own during the test: 78 frames, stopped early.
    job = job_queue(job=slow, price=9)
    follower = job_queue(job=make_job(user, clip), price=4)
    wait_for(lambda: Job.objects.filter(pk=job.pk, status="Processing", progress_percentage__gt=5).exists(),
             timeout=30, what="the job to be processing")
    stopped_at = time.monotonic()
    response = _client(key).post("/api/stop-job/", {"id": str(job.id), "type": "faceswap"},
                                 content_type="application/json")
    assert response.json()["status"] == "Cancelled" and response.json()["refunded_credits"] == 4
    work_dir = job_work_dir(job=job)
    wait_for(lambda: not work_dir.exists(), timeout=5, what="partial output to be deleted")
    assert time.monotonic() - stopped_at < 2.0
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.output_file == "" and job.progress_percentage < 100
    wait_finished(follower)
    assert follower.status == JobStatus.DONE and follower.started_at >= job.finished_at
    assert credit_balance_get(user=user) == 100 - 9 + 4 - 4
    _assert_ledger_consistent(user)


def test_concurrent_stop_job_refunds_once(worker, make_user, make_job, clip):
    user, key = make_user(credits=100)
    blocker = job_queue(job=make_job(user, clip), price=2)
    job = job_queue(job=make_job(user, clip), price=20)
    responses = []
    barrier = threading.Barrier(2)

    def stop():
        barrier.wait()
        from django.db import connection

        try:
            responses.append(_client(key).post("/api/stop-job/", {"id": str(job.id)},
                                               content_type="application/json"))
        finally:
            connection.close()

    threads = [threading.Thread(target=stop) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 400]
    assert LedgerEntry.objects.filter(job_id=job.id, kind="refund").count() == 1
    wait_finished(blocker)
    assert credit_balance_get(user=user) == 100 - 2 - 20 + 10
    _assert_ledger_consistent(user)


def test_stop_done_job_is_400_and_costs_nothing(worker, make_user, make_job, clip):
    user, key = make_user(credits=10)
    job = wait_finished(job_queue(job=make_job(user, clip), price=5))
    response = _client(key).post("/api/stop-job/", {"id": str(job.id), "type": "faceswap"},
                                 content_type="application/json")
    assert response.status_code == 400
    assert "already Done" in response.json()["error"]
    assert credit_balance_get(user=user) == 5
    _assert_ledger_consistent(user)


def test_failed_job_gets_a_plain_error_and_full_refund(worker, make_user, make_job, tmp_path):
    user, key = make_user(credits=30)
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("this is not a video")
    job = wait_finished(job_queue(job=make_job(user, bogus), price=12))
    assert job.status == JobStatus.FAILED
    body = _client(key).get("/api/swap-progress/", {"id": str(job.id)}).json()
    assert body["status"] == "Failed" and "refunded" in body["error"]
    assert "Traceback" not in body["error"] and body["output_media_url"] is None
    assert credit_balance_get(user=user) == 30
    _assert_ledger_consistent(user)
