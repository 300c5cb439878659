"""Fast-queue tasks of the face swap, thin over its worker services (apps/swap/worker_services.py)."""
from celery import shared_task

from apps.core.fast import fast_task_answer

from .services import SWAP_ANALYSE_FRAME_TASK, SWAP_CHECK_SOURCES_TASK, SWAP_PREVIEW_TASK
from .worker_services import swap_frame_analyse, swap_preview_render, swap_sources_check


@shared_task(name=SWAP_PREVIEW_TASK)
def swap_preview_task(**kwargs) -> dict:
    return fast_task_answer(swap_preview_render, **kwargs)


@shared_task(name=SWAP_CHECK_SOURCES_TASK)
def swap_check_sources_task(**kwargs) -> dict:
    return fast_task_answer(swap_sources_check, **kwargs)


@shared_task(name=SWAP_ANALYSE_FRAME_TASK)
def swap_analyse_frame_task(**kwargs) -> dict:
    return fast_task_answer(swap_frame_analyse, **kwargs)
