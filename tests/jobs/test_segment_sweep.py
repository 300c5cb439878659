"""The sweeper's repair of a split job, part by part, on the database and the broker (no worker):
a part whose worker went silent runs again alone, then the job fails with one full refund; a
waiting part whose message was lost is sent again; a silent join is sent again; a job whose
parts run is never retried as a whole."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.jobs.models import Job, JobSegment, JobStatus, SegmentStatus
from apps.jobs.services import job_claim_next, job_queue, job_sweep
from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.worker_process import broker_purge

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def split_job(make_user, make_job, clip, settings):
    """A Processing job split into 3 parts (as the worker that claimed it leaves it)."""
    settings.ISAMURAI_JOB_REDISPATCH_SECONDS = 60
    broker_purge()
    user, _ = make_user(credits=50)
    job = job_queue(job=make_job(user, clip), price=10)
    job = job_claim_next(worker="w@test")
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)  # a split job's own beat stops
    for index in range(3):
        JobSegment.objects.create(job=job, index=index, start_frame=26 * index, end_frame=26 * index + 26,
                                  read_start=26 * index, read_end=26 * index + 26, sent_at=timezone.now())
    yield user, job
    broker_purge()


def _stale(segment: JobSegment, attempts: int) -> None:
    JobSegment.objects.filter(pk=segment.pk).update(
        status=SegmentStatus.PROCESSING, token=uuid.uuid4(), attempts=attempts, worker="gone@host",
        heartbeat_at=timezone.now() - timedelta(hours=1))


def test_a_silent_part_runs_again_alone_then_fails_the_job_once(split_job, settings):
    user, job = split_job
    first, second, third = JobSegment.objects.filter(job=job)
    JobSegment.objects.filter(pk=first.pk).update(status=SegmentStatus.DONE, progress=1.0)
    _stale(second, attempts=1)
    counts = job_sweep()
    assert counts["segments_retried"] == 1 and counts["retried"] == 0 and counts["failed"] == 0
    states = dict(JobSegment.objects.filter(job=job).values_list("index", "status"))
    assert states == {0: "Done", 1: "Queued", 2: "Queued"}
    assert Job.objects.get(pk=job.pk).status == JobStatus.PROCESSING  # never retried whole

    _stale(second, attempts=settings.ISAMURAI_SEGMENT_MAX_ATTEMPTS)  # lost on every run
    job_sweep()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "refunded" in job.error
    states = dict(JobSegment.objects.filter(job=job).values_list("index", "status"))
    assert states == {0: "Done", 1: "Failed", 2: "Cancelled"}
    job_sweep()
    assert LedgerEntry.objects.filter(job_id=job.pk, kind="refund").count() == 1
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 50


def test_lost_part_messages_and_a_silent_join_are_sent_again(split_job):
    _, job = split_job
    JobSegment.objects.filter(job=job).update(sent_at=timezone.now() - timedelta(hours=1))
    assert job_sweep()["segments_redispatched"] == 3
    assert job_sweep()["segments_redispatched"] == 0  # sent_at moved on
    JobSegment.objects.filter(job=job).update(status=SegmentStatus.DONE, progress=1.0)
    assert job_sweep()["joins_resent"] == 1
    assert job_sweep()["joins_resent"] == 0  # the join's turn again only once it goes silent
    assert Job.objects.get(pk=job.pk).status == JobStatus.PROCESSING
