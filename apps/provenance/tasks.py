"""Fast-queue task of verify/, thin over its worker service (apps/provenance/worker_services.py)."""
from celery import shared_task
from django.conf import settings

from apps.core.fast import fast_task_answer

from .services import PROVENANCE_INSPECT_TASK
from .worker_services import provenance_media_inspect


@shared_task(name=PROVENANCE_INSPECT_TASK, soft_time_limit=settings.ISAMURAI_VERIFY_SECONDS,
             time_limit=settings.ISAMURAI_VERIFY_SECONDS + 10)
def provenance_inspect_task(**kwargs) -> dict:
    return fast_task_answer(provenance_media_inspect, **kwargs)
