"""Slow motion projects: upload (Draft, free), then process (charged per second by factor)."""
import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from apps.accounts.models import User
from apps.core.content_policy import content_policy_check
from apps.core.uploads import UploadFolder, media_file_check, media_root
from apps.jobs.services import job_start, job_submit

from .models import SlowMotionJob


def slowmotion_project_create(
    *, user: User, source_video: UploadedFile, slowdown_factor: int, quality: str, mode: str, webhook_url: str = ""
) -> SlowMotionJob:
    folder = UploadFolder.create()
    try:
        source = folder.save_upload(source_video, stem="source")
        media = media_file_check(media_root() / source, field="source_video", allow_image=False)
        flag_reason = content_policy_check(video=source, video_name="the video")
        project = SlowMotionJob(
            user=user, inputs={"source": source}, slowdown_factor=slowdown_factor,
            quality=quality, mode=mode, duration_seconds=media.duration_seconds, webhook_url=webhook_url,
            label=settings.ISAMURAI_VISIBLE_LABEL, content_flagged=bool(flag_reason),
            content_flag_reason=flag_reason,
        )
        return job_submit(job=project, start=False)
    except BaseException:
        folder.remove()
        raise


def slowmotion_project_process(*, user: User, project_id: uuid.UUID) -> SlowMotionJob:
    """Charge and queue a Draft project (job_queue refuses any other status)."""
    return job_start(user=user, job_id=project_id, kind=SlowMotionJob.KIND)
