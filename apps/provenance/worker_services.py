"""The worker side of verify/: read the marks of an uploaded file (decoding media stays off the
web process; apps/provenance/tasks.py imports it, the web process never does)."""
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from apps.core.storage import media_storage
from workers.errors import MediaError
from workers.provenance.verification import media_inspect


def provenance_media_inspect(*, media: str) -> dict:
    """The C2PA manifest and the watermark found in the stored file ``media``."""
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
