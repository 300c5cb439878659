"""/api/verify/: what a file says about where it came from (free: nothing is charged or kept); the
content policy on uploads that no swap check scores (slow motion, restore)."""
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from apps.accounts.models import User
from apps.core.fast import fast_task_call
from apps.core.uploads import UploadFolder
from workers.provenance.payload import server_tag

from .policy import content_policy_mode, content_verdict
from .selectors import output_id_for_watermark

# The fast tasks this app's services send (by name; apps/provenance/tasks.py defines them).
PROVENANCE_INSPECT_TASK = "provenance.inspect"
CONTENT_SCAN_TASK = "provenance.content_scan"

def content_policy_check(*, images: dict[str, str] | None = None, video: str | None = None,
                         video_name: str = "the video") -> str:
    """The content policy on stored uploads (name -> media path; a video at one frame a second),
    before anything is charged: '' when they pass or the policy is off, the reason to flag them
    in flag mode; in block mode a refusal raises ContentRefused (400)."""
    mode = content_policy_mode()
    if mode == "off":
        return ""
    answer = fast_task_call(CONTENT_SCAN_TASK, kwargs={"images": images or {}, "video": video,
                                                       "video_name": video_name})
    return content_verdict(mode=mode, **answer["content"])[:255]


def media_verify(*, user: User, upload: UploadedFile) -> dict:
    folder = UploadFolder.create()
    try:
        answer = fast_task_call(PROVENANCE_INSPECT_TASK, kwargs={"media": folder.save_upload(upload, stem="verify")})
    finally:
        folder.remove()
    mark = answer["watermark"]
    ours = mark["found"] and mark["server_tag"] == server_tag(settings.ISAMURAI_SERVER_ID)
    output_id = output_id_for_watermark(user=user, watermark_job_hash=mark["job_hash"]) if ours else None
    return {
        "c2pa": answer["c2pa"],
        "watermark": {"found": mark["found"], "ours": bool(ours), "job_id": str(output_id) if output_id else None},
    }
