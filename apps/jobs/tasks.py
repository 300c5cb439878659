"""Celery tasks: thin wrappers over the job services."""
import uuid

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .runner import job_execute
from .services import JOB_RUN_TASK, job_sweep


@shared_task(name=JOB_RUN_TASK, ignore_result=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=1, retry_backoff_max=30, max_retries=8)
def job_run_task(job_id: str, token: str) -> str:
    # A database hiccup before the claim would otherwise leave the job dispatched but unclaimed
    # until the sweeper re-sends it; the claim checks the token, so running again is safe.
    return job_execute(job_id=uuid.UUID(job_id), token=uuid.UUID(token))


@shared_task(name="jobs.sweep", ignore_result=True)
def job_sweep_task() -> dict[str, int]:
    return job_sweep()
