import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from apps.accounts.models import Plan, User
from apps.accounts.selectors import plan_default_get, plan_for_user_get
from apps.core.exceptions import ApplicationError, NotFound

from .kinds import job_kind_get, job_kinds
from .models import ACTIVE_STATUSES, Job, JobStatus
from .queue import QueueSnapshot, WaitingJob


def job_id_parse(*, raw: object, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        raise ApplicationError(
            f"'{field}' must be a job id (a UUID such as 3f2c...-...); got {str(raw)[:40]!r}.",
            details={field: ["Not a valid UUID."]},
        ) from None


def job_get_for_user(*, user: User, job_id: uuid.UUID, kind: str | None = None) -> Job:
    """The caller's job as its concrete kind. Another user's job is a 404, like a missing one."""
    base = Job.objects.filter(pk=job_id, user=user).only("kind").first()
    if base is None or (kind is not None and base.kind != kind):
        raise NotFound(f"No job with id {job_id} was found for this API key.")
    return job_kind_get(base.kind).model.objects.get(pk=job_id)


def job_concrete_get(*, job_id: uuid.UUID) -> Job:
    kind = Job.objects.values_list("kind", flat=True).get(pk=job_id)
    return job_kind_get(kind).model.objects.get(pk=job_id)


def job_concrete(job: Job) -> Job:
    """The kind's object behind a base Job row (joined by jobs_list_for_user, so no query)."""
    if type(job) is not Job:
        return job
    return getattr(job, job_kind_get(job.kind).model._meta.model_name)


def job_queue_place_get(*, job: Job, snapshot: QueueSnapshot | None = None) -> WaitingJob | None:
    """A Queued job's place in the fair queue (position over every user's waiting jobs, ETA);
    None otherwise. Pass one `snapshot` when asking about many jobs."""
    if job.status != JobStatus.QUEUED:
        return None
    return (snapshot or QueueSnapshot()).get(job.id)


def queue_snapshot_get() -> QueueSnapshot:
    """Every waiting job in start order (apps.jobs.queue)."""
    return QueueSnapshot()


def jobs_list_for_user(*, user: User) -> QuerySet[Job]:
    """The user's jobs, newest first, each kind's row joined (see job_concrete)."""
    return Job.objects.filter(user=user).select_related(
        "user__plan", *(spec.model._meta.model_name for spec in job_kinds()))


def retention_period() -> timedelta:
    return timedelta(hours=settings.ISAMURAI_RETENTION_HOURS)


def job_retention_period_get(*, user: User) -> timedelta:
    """How long a user's jobs are kept after they end: their plan's retention, else the server's."""
    plan = plan_for_user_get(user=user)
    if plan is not None and plan.retention_hours is not None:
        return timedelta(hours=plan.retention_hours)
    return retention_period()


def job_expires_at_get(*, job: Job) -> datetime | None:
    """When the job's files are (or were) deleted: retention after it ended (a Draft: after it
    was created). None while it is Queued or Processing: running work is never deleted."""
    if job.expired_at is not None:
        return job.expired_at
    if job.status in ACTIVE_STATUSES:
        return None
    return (job.finished_at or job.created_at) + job_retention_period_get(user=job.user)


def _ended_before(cutoff: datetime) -> Q:
    ended = Q(status__in=(JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED), finished_at__lte=cutoff)
    return ended | Q(status=JobStatus.DRAFT, created_at__lte=cutoff)


def jobs_due_for_expiry_list(*, now: datetime) -> QuerySet[Job]:
    """Jobs past their retention: each plan's own hours, the server's for plans without (users
    without a plan: the default plan's)."""
    server = retention_period()
    default_plan = plan_default_get()
    planless = server
    if default_plan is not None and default_plan.retention_hours is not None:
        planless = timedelta(hours=default_plan.retention_hours)
    due = Q(user__plan__isnull=True) & _ended_before(now - planless)
    due |= Q(user__plan__isnull=False, user__plan__retention_hours__isnull=True) & _ended_before(now - server)
    plan_hours = Plan.objects.filter(retention_hours__isnull=False).values_list("retention_hours", flat=True)
    for hours in plan_hours.order_by().distinct():
        due |= Q(user__plan__retention_hours=hours) & _ended_before(now - timedelta(hours=hours))
    return Job.objects.filter(expired_at__isnull=True).filter(due)


def draft_bytes_for_user(*, user: User) -> int:
    """Bytes of input the user keeps in Drafts (not started, not yet deleted)."""
    total = Job.objects.filter(user=user, status=JobStatus.DRAFT, expired_at__isnull=True).aggregate(
        total=Sum("input_bytes"))["total"]
    return int(total or 0)
