"""Fast-queue task of the content policy, thin over its worker service (apps/core/worker_services.py)."""
from celery import shared_task

from .content_policy import CONTENT_SCAN_TASK
from .fast import fast_task_answer
from .worker_services import content_uploads_score


@shared_task(name=CONTENT_SCAN_TASK)
def content_scan_task(**kwargs) -> dict:
    return fast_task_answer(content_uploads_score, **kwargs)
