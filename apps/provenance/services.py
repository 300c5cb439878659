"""/api/verify/: what a file says about where it came from (free: nothing is charged or kept); the
content policy on uploads that no swap check scores (slow motion, restore)."""
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from apps.accounts.models import User
from apps.core.fast import fast_task_call
from apps.core.uploads import UploadFolder, media_file_check, media_root
from workers.provenance.payload import server_tag

from .policy import content_policy_mode, content_verdict
from .selectors import output_id_for_watermark
from .tasks import content_scan_task, provenance_inspect_task


def content_policy_check(*, images: dict[str, str] | None = None, video: str | None = None,
                         video_name: str = "the video") -> str:
    """The content policy on stored uploads (name -> media path; a video at one frame a second),
    before anything is charged: '' when they pass or the policy is off, the reason to flag them
    in flag mode; in block mode a refusal raises ContentRefused (400)."""
    mode = content_policy_mode()
    if mode == "off":
        return ""
    answer = fast_task_call(content_scan_task, kwargs={"images": images or {}, "video": video,
                                                       "video_name": video_name})
    return content_verdict(mode=mode, **answer["content"])[:255]


def media_verify(*, user: User, upload: UploadedFile) -> dict:
    """Free, but not unbounded: the upload limits (size, resolution, counted length) apply before
    anything is decoded, here from headers and a killable ffprobe; decoding and the C2PA reader
    (offline) run on a fast worker under a time limit."""
    folder = UploadFolder.create()
    try:
        media = folder.save_upload(upload, stem="verify")
        media_file_check(media_root() / media, field="file", decode_images=False)
        answer = fast_task_call(provenance_inspect_task, kwargs={"media": media},
                                timeout=settings.ISAMURAI_VERIFY_SECONDS + 10)
    finally:
        folder.remove()
    mark = answer["watermark"]
    ours = mark["found"] and mark["server_tag"] == server_tag(settings.ISAMURAI_SERVER_ID)
    output_id = output_id_for_watermark(user=user, watermark_job_hash=mark["job_hash"]) if ours else None
    return {
        "c2pa": answer["c2pa"],
        "watermark": {"found": mark["found"], "ours": bool(ours), "job_id": str(output_id) if output_id else None},
    }
