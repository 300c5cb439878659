"""Celery tasks: thin wrappers over the job services."""
import uuid

from celery import shared_task

from .runner import job_execute
from .services import job_sweep


@shared_task(name="jobs.run", ignore_result=True)
def job_run_task(job_id: str, token: str) -> str:
    return job_execute(job_id=uuid.UUID(job_id), token=uuid.UUID(token))


@shared_task(name="jobs.sweep", ignore_result=True)
def job_sweep_task() -> dict[str, int]:
    return job_sweep()
