"""Fast-queue tasks for restore and the gallery, thin over their worker services
(apps/restore/worker_services.py: models load only in workers)."""
from celery import shared_task

from apps.core.fast import fast_task_answer

from .services import GALLERY_ANALYSE_SOURCE_TASK, RESTORE_IMAGE_TASK
from .worker_services import gallery_source_analyse, restored_image_render


@shared_task(name=RESTORE_IMAGE_TASK)
def restore_image_task(**kwargs) -> dict:
    return fast_task_answer(restored_image_render, **kwargs)


@shared_task(name=GALLERY_ANALYSE_SOURCE_TASK)
def gallery_analyse_source_task(**kwargs) -> dict:
    return fast_task_answer(gallery_source_analyse, **kwargs)
