"""Slow motion projects: upload (Draft, free), then process (charged per second by factor)."""
import uuid

from django.core.files.uploadedfile import UploadedFile

from apps.accounts.limits import output_label_get, plan_limits_check
from apps.accounts.models import User
from apps.core.content_policy import content_policy_check
from apps.core.uploads import UploadFolder, media_file_check, media_root
from apps.jobs.services import job_draft_quota_check, job_start, job_submit
from workers.pipelines.options import SlowMotionOptions

from .models import SlowMotionJob


def slowmotion_project_create(
    *, user: User, source_video: UploadedFile, options: SlowMotionOptions, webhook_url: str = ""
) -> SlowMotionJob:
    folder = UploadFolder.create()
    try:
        source = folder.save_upload(source_video, stem="source")
        job_draft_quota_check(user=user, adding=folder.bytes_saved)  # a project is a Draft until processed
        media = media_file_check(media_root() / source, field="source_video", allow_image=False)
        plan_limits_check(user=user, video_seconds=media.duration_seconds, quality=options.quality)
        flag_reason = content_policy_check(video=source, video_name="the video")
        project = SlowMotionJob(
            user=user, inputs={"source": source}, files=list(folder.saved), input_bytes=folder.bytes_saved,
            slowdown_factor=int(options.slowdown_factor), quality=options.quality.value, mode=options.mode.value,
            duration_seconds=media.duration_seconds, webhook_url=webhook_url,
            label=output_label_get(user=user, requested=None), content_flagged=bool(flag_reason),
            content_flag_reason=flag_reason,
        )
        project = job_submit(job=project, start=False)
    except BaseException:
        folder.remove()
        raise
    folder.release_local()
    return project
    folder.release_local()
    return project


def slowmotion_project_process(*, user: User, project_id: uuid.UUID) -> SlowMotionJob:
    """Charge and queue a Draft project (job_queue refuses any other status); the engine's start
    checks the plan's limits again (the plan may have changed since the upload) and the models
    its options need (RIFE, when the server's interpolator is rife)."""
    return job_start(user=user, job_id=project_id, kind=SlowMotionJob.KIND)
