"""/api/verify/: what a file says about where it came from (free: nothing is charged or kept)."""
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from apps.accounts.models import User
from apps.core.fast import fast_task_call
from apps.core.uploads import UploadFolder, media_file_check, media_root
from workers.provenance.payload import server_tag

from .selectors import output_id_for_watermark

# The fast tasks this app's services send (by name; apps/provenance/tasks.py defines them).
PROVENANCE_INSPECT_TASK = "provenance.inspect"

def media_verify(*, user: User, upload: UploadedFile) -> dict:
    """Free, but not unbounded: the upload limits (size, resolution, counted length) apply before
    anything is decoded, here from headers and a killable ffprobe; decoding and the C2PA reader
    (offline) run on a fast worker under a time limit."""
    folder = UploadFolder.create()
    try:
        media = folder.save_upload(upload, stem="verify")
        media_file_check(media_root() / media, field="file")
        answer = fast_task_call(PROVENANCE_INSPECT_TASK, kwargs={"media": media},
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
