"""kill -9 of a worker mid-job: the job is retried (Done) or, after the bounded attempts,
Failed with a full refund. Never stuck in Processing."""
import pytest

from apps.jobs.models import Job, JobStatus
from apps.jobs.services import job_queue
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.worker_process import wait_finished, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _processing_with_progress(job: Job, attempt: int):
    return lambda: Job.objects.filter(
        pk=job.pk, status=JobStatus.PROCESSING, attempts=attempt, progress_percentage__gt=3
    ).exists()


def test_killed_worker_job_is_retried_and_finishes(workers, make_user, make_job, clip):
    user, _ = make_user(credits=50)
    victim = workers(concurrency=1, ISAMURAI_TEST_FRAME_DELAY="0.1")
    job = job_queue(job=make_job(user, clip), price=10)
    wait_for(_processing_with_progress(job, 1), timeout=30, what="first attempt to be under way")
    victim.kill_hard()
    workers(concurrency=1, ISAMURAI_TEST_FRAME_DELAY="0.0")
    wait_finished(job, timeout=60)
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 40


def test_job_killed_on_every_attempt_fails_with_full_refund(workers, make_user, make_job, clip):
    user, _ = make_user(credits=50)
    job = job_queue(job=make_job(user, clip), price=10)
    for attempt in (1, 2):
        worker = workers(concurrency=1, ISAMURAI_TEST_FRAME_DELAY="0.1")
        wait_for(_processing_with_progress(job, attempt), timeout=30, what=f"attempt {attempt} under way")
        worker.kill_hard()
    workers(concurrency=1, ISAMURAI_TEST_FRAME_DELAY="0.0")
    wait_finished(job, timeout=60)
    assert job.status == JobStatus.FAILED and "refunded" in job.error
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 50
