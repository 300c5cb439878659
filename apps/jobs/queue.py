"""The fair queue, in one place: which waiting job starts next, each waiting job's position and
its ETA.

The policy: a higher plan priority first; among users of one priority, round-robin (each user's
k-th waiting job is in round k, so nobody waits behind another user's backlog); within a round,
by when the user's turn came (dispatch, else queue time). The engine keeps at most one dispatched
job per user (the one-running-job rule), and a worker that takes a `jobs.run` message claims the
best dispatched job by this order (`JOB_START_ORDER`), not necessarily the message's own: so a
paid user's job dispatched last still starts first, with one plain broker list (`gpu`), which
KEDA counts as it is.
"""
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.selectors import plan_for_user_get

from .models import Job, JobStatus, WorkerPresence

# The order in which dispatched jobs are claimed: priority, then whose turn came first.
JOB_START_ORDER = ("-queue_priority", "dispatched_at", "queued_at", "created_at")

# How many recent Done jobs the ETA's rates are learnt from.
_RATE_SAMPLE = 200


def queue_priority_for_user(*, user: User) -> int:
    """The queue priority of the user's plan (users without one: the default plan's; none: 0)."""
    plan = plan_for_user_get(user=user)
    return plan.queue_priority if plan is not None else 0


def workers_live_count(*, queue: str, now: datetime | None = None) -> int:
    """Workers consuming `queue` that wrote their presence within three beats."""
    now = now or timezone.now()
    fresh = now - timedelta(seconds=3 * settings.ISAMURAI_WORKER_BEAT_SECONDS)
    rows = WorkerPresence.objects.filter(seen_at__gte=fresh).values_list("queues", flat=True)
    return sum(1 for queues in rows if queue in queues.split(","))


class DurationRates:
    """Processing seconds per second of media, learnt from recent Done jobs: the median per kind
    and quality where there are 3 samples, else per kind, else the setting."""

    def __init__(self) -> None:
        recent = (
            Job.objects.filter(status=JobStatus.DONE, started_at__isnull=False, finished_at__isnull=False)
            .order_by("-finished_at")
            .values_list("kind", "work_quality", "work_seconds", "started_at", "finished_at")[:_RATE_SAMPLE]
        )
        by_quality: dict[tuple[str, str], list[float]] = {}
        by_kind: dict[str, list[float]] = {}
        for kind, quality, seconds, started, finished in recent:
            rate = (finished - started).total_seconds() / max(seconds or 1.0, 1.0)
            by_quality.setdefault((kind, quality), []).append(rate)
            by_kind.setdefault(kind, []).append(rate)
        self._by_quality = {key: statistics.median(rates) for key, rates in by_quality.items() if len(rates) >= 3}
        self._by_kind = {key: statistics.median(rates) for key, rates in by_kind.items()}

    def seconds(self, *, kind: str, quality: str, work_seconds: float | None) -> float:
        """Expected processing seconds of one job (a photo counts as one second of media)."""
        rate = self._by_quality.get((kind, quality)) or self._by_kind.get(kind)
        if rate is None:
            rate = settings.ISAMURAI_ETA_SECONDS_PER_MEDIA_SECOND
        return rate * max(work_seconds or 1.0, 1.0)


@dataclass(frozen=True)
class WaitingJob:
    id: object
    user_id: int
    username: str
    kind: str
    priority: int
    round: int
    position: int  # 1 = starts next
    queued_at: datetime | None
    expected_seconds: float
    eta_seconds: int  # until it is expected to be done: the work ahead over the live workers, plus its own


class QueueSnapshot:
    """Every waiting (Queued) job in start order, with positions and ETAs, from a few queries."""

    def __init__(self, *, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        rates = DurationRates()
        self.gpu_workers = workers_live_count(queue="gpu", now=self.now)
        fields = ("id", "user_id", "user__username", "kind", "queue_priority", "dispatch_token", "dispatched_at",
                  "queued_at", "created_at", "work_seconds", "work_quality", "status", "started_at",
                  "progress_percentage")
        rows = list(Job.objects.filter(status__in=(JobStatus.QUEUED, JobStatus.PROCESSING)).values(*fields))

        # What the running jobs have left, and which users' next job waits for their running one.
        remaining = 0.0
        running_since: dict[int, datetime] = {}
        for row in rows:
            if row["status"] != JobStatus.PROCESSING:
                continue
            expected = rates.seconds(kind=row["kind"], quality=row["work_quality"], work_seconds=row["work_seconds"])
            remaining += expected * (1 - row["progress_percentage"] / 100)
            running_since[row["user_id"]] = row["started_at"] or self.now

        per_user: dict[int, list[dict]] = {}
        for row in rows:
            if row["status"] == JobStatus.QUEUED:
                per_user.setdefault(row["user_id"], []).append(row)
        keyed = []
        for user_id, jobs in per_user.items():
            # The dispatched job first (it holds the user's slot), then by queue time.
            jobs.sort(key=lambda r: (r["dispatch_token"] is None, r["queued_at"] or r["created_at"], r["created_at"]))
            head = jobs[0]
            if user_id in running_since:  # their next job is dispatched when the running one ends: a round later
                first_round, turn = 1, (1, running_since[user_id])
            elif head["dispatch_token"] is not None:
                first_round, turn = 0, (0, head["dispatched_at"] or head["queued_at"])
            else:
                first_round, turn = 0, (1, head["queued_at"] or head["created_at"])
            for index, row in enumerate(jobs):
                keyed.append(((-row["queue_priority"], first_round + index, turn, user_id), row, first_round + index))
        keyed.sort(key=lambda item: item[0])

        workers = max(1, self.gpu_workers)
        ahead = remaining
        self.waiting: list[WaitingJob] = []
        for position, (_, row, round_index) in enumerate(keyed, start=1):
            expected = rates.seconds(kind=row["kind"], quality=row["work_quality"], work_seconds=row["work_seconds"])
            self.waiting.append(WaitingJob(
                id=row["id"], user_id=row["user_id"], username=row["user__username"], kind=row["kind"],
                priority=row["queue_priority"], round=round_index, position=position, queued_at=row["queued_at"],
                expected_seconds=expected, eta_seconds=round(ahead / workers + expected),
            ))
            ahead += expected
        self._by_id = {str(item.id): item for item in self.waiting}

    def get(self, job_id) -> WaitingJob | None:
        return self._by_id.get(str(job_id))
