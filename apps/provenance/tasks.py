"""Fast-queue task: read the marks of an uploaded file (decoding media stays off the web process)."""
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from apps.core.fast import fast_task_answer
from apps.core.storage import media_storage
from workers.errors import MediaError
from workers.provenance.verification import media_inspect

from .services import PROVENANCE_INSPECT_TASK


@shared_task(name=PROVENANCE_INSPECT_TASK, soft_time_limit=settings.ISAMURAI_VERIFY_SECONDS,
             time_limit=settings.ISAMURAI_VERIFY_SECONDS + 10)
def provenance_inspect_task(*, media: str) -> dict:
    def work() -> dict:
        try:
            inspection = media_inspect(media_storage().fetch(media),
                                       max_image_pixels=settings.ISAMURAI_MAX_IMAGE_PIXELS)
        except SoftTimeLimitExceeded:
            raise MediaError(f"file: Checking the file took longer than {settings.ISAMURAI_VERIFY_SECONDS} s; "
                             "send a smaller or shorter file.") from None
        except MediaError as exc:  # the request's one field
            raise MediaError(f"file: {exc.user_message}", detail=exc.detail) from None
        manifest, payload = inspection.manifest, inspection.payload
        return {
            "c2pa": {"present": manifest.present, "valid": manifest.valid,
                     "claim_generator": manifest.claim_generator,
                     "digital_source_type": manifest.digital_source_type},
            "watermark": {"found": payload is not None,
                          "server_tag": payload.server_tag if payload else None,
                          "job_hash": payload.job_hash if payload else None},
        }

    return fast_task_answer(work)
