"""Slow motion projects: upload (Draft, free), then process (charged per second by factor)."""
import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.models import User
from apps.core.uploads import UploadFolder, media_file_check, media_root
from apps.jobs.models import SlowMotionJob
from apps.jobs.pricing import slowmotion_price
from apps.jobs.selectors import job_get_for_user
from apps.jobs.services import job_queue
from apps.ops.webhooks import webhook_url_validate


def slowmotion_project_create(
    *, user: User, source_video: UploadedFile, slowdown_factor: int, quality: str, mode: str, webhook_url: str = ""
) -> SlowMotionJob:
    if webhook_url:
        webhook_url_validate(webhook_url)
    folder = UploadFolder.create()
    try:
        source = folder.save_upload(source_video, stem="source")
        media = media_file_check(media_root() / source, field="source_video", allow_image=False)
        with transaction.atomic():
            return SlowMotionJob.objects.create(
                user=user, kind="slowmotion", inputs={"source": source}, slowdown_factor=slowdown_factor,
                quality=quality, mode=mode, duration_seconds=media.duration_seconds, webhook_url=webhook_url,
                label=settings.ISAMURAI_VISIBLE_LABEL,
            )
    except BaseException:
        folder.remove()
        raise


def slowmotion_project_process(*, user: User, project_id: uuid.UUID) -> SlowMotionJob:
    """Charge and queue a Draft project (job_queue refuses any other status)."""
    job = job_get_for_user(user=user, job_id=project_id, kind="slowmotion")
    price = slowmotion_price(factor=job.slowdown_factor, duration_seconds=job.duration_seconds or 0)
    return job_queue(job=job, price=price)
