"""Fast-queue task: read the marks of an uploaded file (decoding media stays off the web process)."""
from celery import shared_task
from django.conf import settings

from apps.core.fast import fast_task_answer
from apps.core.storage import media_storage
from workers.provenance.verification import media_inspect

from .services import PROVENANCE_INSPECT_TASK


@shared_task(name=PROVENANCE_INSPECT_TASK)
def provenance_inspect_task(*, media: str) -> dict:
    def work() -> dict:
        inspection = media_inspect(media_storage().fetch(media), max_image_pixels=settings.ISAMURAI_MAX_IMAGE_PIXELS)
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
