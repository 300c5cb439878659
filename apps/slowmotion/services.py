"""Slow motion projects: upload (Draft, free), then process (charged per second by factor)."""
import uuid

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.limits import output_label_get, plan_limits_check
from apps.accounts.models import User
from apps.core.uploads import UploadFolder, media_file_check, media_root
from apps.jobs.selectors import job_get_for_user
from apps.jobs.services import job_start
from apps.ops.webhooks import webhook_url_validate
from apps.provenance.services import content_policy_check

from .models import SlowMotionJob


def slowmotion_project_create(
    *, user: User, source_video: UploadedFile, slowdown_factor: int, quality: str, mode: str, webhook_url: str = ""
) -> SlowMotionJob:
    if webhook_url:
        webhook_url_validate(webhook_url)
    folder = UploadFolder.create()
    try:
        source = folder.save_upload(source_video, stem="source")
        media = media_file_check(media_root() / source, field="source_video", allow_image=False)
        plan_limits_check(user=user, video_seconds=media.duration_seconds, quality=quality)
        flag_reason = content_policy_check(video=source, video_name="the video")
        with transaction.atomic():
            return SlowMotionJob.objects.create(
                user=user, inputs={"source": source}, slowdown_factor=slowdown_factor,
                quality=quality, mode=mode, duration_seconds=media.duration_seconds, webhook_url=webhook_url,
                label=output_label_get(user=user, requested=None), content_flagged=bool(flag_reason),
                content_flag_reason=flag_reason,
            )
    except BaseException:
        folder.remove()
        raise


def slowmotion_project_process(*, user: User, project_id: uuid.UUID) -> SlowMotionJob:
    """Charge and queue a Draft project (job_queue refuses any other status); the plan's limits
    are checked again, as the plan may have changed since the upload."""
    draft = job_get_for_user(user=user, job_id=project_id, kind=SlowMotionJob.KIND)
    plan_limits_check(user=user, video_seconds=draft.duration_seconds, quality=draft.quality)
    return job_start(user=user, job_id=project_id, kind=SlowMotionJob.KIND)
