"""The fair queue with a real Celery worker (one slot) on the real broker and database: a higher
plan priority starts first, users of one priority take turns, and waiting jobs report their
position over every user's waiting jobs and an ETA."""
import socket

import pytest
from django.test import Client

from apps.accounts.models import Plan
from apps.jobs.kinds import job_kind_get
from apps.jobs.models import Job, JobStatus, WorkerPresence
from apps.jobs.services import job_queue
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.worker_process import wait_finished, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def worker(module_workers):
    # One slot, so the start order is the queue's order; 78 frames x 60 ms: ~5 s a job, long
    # enough to queue everything while the first one runs.
    return module_workers(concurrency=1, ISAMURAI_TEST_FRAME_DELAY="0.06", ISAMURAI_WORKER_BEAT_SECONDS="1")


def _progress(key: str, job: Job) -> dict:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/swap-progress/", {"id": str(job.id)}).json()


def test_paid_job_starts_before_free_backlog_and_free_users_take_turns(worker, make_user, make_job, clip, settings):
    blocker_user, _ = make_user(credits=10)
    blocker = job_queue(job=make_job(blocker_user, clip), price=1)
    wait_for(lambda: Job.objects.filter(pk=blocker.pk, status=JobStatus.PROCESSING).exists(), timeout=60,
             what="the first job to be processing")

    free = [make_user(credits=10, plan="free") for _ in range(3)]
    # Each free user queues two jobs (a backlog), one user after the other; the paid job comes last.
    backlog = {user.pk: [job_queue(job=make_job(user, clip), price=2) for _ in range(2)] for user, _ in free}
    paid_user, paid_key = make_user(credits=10, plan="paid")
    Plan.objects.filter(name="paid").update(queue_priority=10)
    paid = job_queue(job=make_job(paid_user, clip), price=3)

    # While the first job runs: the paid job is next, then the free users' first jobs in turn,
    # then their second ones; every answer (progress and the job object) says so, with an ETA.
    assert Job.objects.filter(pk=blocker.pk, status=JobStatus.PROCESSING).exists(), "queued too slowly to look"
    body = _progress(paid_key, paid)
    assert body["status"] == "Queued" and body["queue_position"] == 1
    assert isinstance(body["eta_seconds"], int) and body["eta_seconds"] > 0
    etas = [body["eta_seconds"]]
    order = [backlog[user.pk][0] for user, _ in free] + [backlog[user.pk][1] for user, _ in free]
    for expected_position, (job, key) in enumerate(
        zip(order, [key for _, key in free] * 2, strict=True), start=2
    ):
        body = _progress(key, job)
        assert body["queue_position"] == expected_position, body
        etas.append(body["eta_seconds"])
    assert etas == sorted(etas) and len(set(etas)) == len(etas)  # later in line, later done
    answer = job_kind_get("faceswap").output_serializer(Job.objects.get(pk=paid.pk).faceswapjob).data
    assert answer["queue_position"] == 1 and answer["eta_seconds"] == etas[0]

    everything = [blocker, paid, *[job for jobs in backlog.values() for job in jobs]]
    for job in everything:
        wait_finished(job, timeout=180)
        assert job.status == JobStatus.DONE
    started = sorted(everything, key=lambda job: job.started_at)
    assert started[0] == blocker and started[1] == paid
    owners = [job.user_id for job in started[2:]]
    firsts = [user.pk for user, _ in free]
    assert owners == firsts + firsts, "users of one priority take turns, each waits for no one's backlog"
    assert Job.objects.get(pk=paid.pk).queue_priority == 10
    assert Job.objects.get(pk=blocker.pk).queue_priority == 0
    done = _progress(paid_key, paid)
    assert done["queue_position"] is None and done["eta_seconds"] is None
    for user in [blocker_user, paid_user, *(user for user, _ in free)]:
        assert credit_balance_get(user=user) == ledger_sum_get(user=user)


def test_worker_presence_counts_live_workers_and_eta_without_workers(worker, make_user, make_job, clip):
    worker.hostname_full = lambda: f"{worker.hostname}@{socket.gethostname()}"
    wait_for(lambda: WorkerPresence.objects.filter(name=worker.hostname_full()).exists(), timeout=30,
             what="the worker's presence row")
    presence = WorkerPresence.objects.get(name=worker.hostname_full())
    assert {"gpu", "fast"} <= set(presence.queues.split(","))  # the queues the test worker consumes
    assert presence.gpus == [] or all("utilization" in gpu for gpu in presence.gpus)

    worker.stop()  # scaled to zero: a queued job still gets a number
    try:
        wait_for(lambda: not WorkerPresence.objects.filter(name=worker.hostname_full()).exists(), timeout=30,
                 what="the stopped worker's presence to go")
        user, key = make_user(credits=10)
        job = job_queue(job=make_job(user, clip), price=1)
        body = _progress(key, job)
        assert body["status"] == "Queued" and body["queue_position"] >= 1
        assert isinstance(body["eta_seconds"], int) and body["eta_seconds"] > 0
    finally:
        worker.start()
    wait_finished(job, timeout=120)
    assert job.status == JobStatus.DONE
