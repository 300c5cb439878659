"""/api/verify/: what a file says about where it came from (free: nothing is charged or kept)."""
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from apps.accounts.models import User
from apps.core.fast import fast_task_call
from apps.core.uploads import UploadFolder
from workers.provenance.payload import server_tag

from .selectors import output_id_for_watermark

# The fast tasks this app's services send (by name; apps/provenance/tasks.py defines them).
PROVENANCE_INSPECT_TASK = "provenance.inspect"

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
