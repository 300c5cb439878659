"""Fast-queue tasks: read the marks of an uploaded file, score uploads for the content policy
(decoding media and running models stay off the web process)."""
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from apps.core.fast import fast_task_answer
from apps.core.model_access import model_registry
from apps.core.storage import media_storage
from workers.errors import MediaError
from workers.imaging.codec import ImageDecoder
from workers.provenance.content_policy import content_scan
from workers.provenance.verification import media_inspect


@shared_task(name="provenance.inspect", soft_time_limit=settings.ISAMURAI_VERIFY_SECONDS,
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


@shared_task(name="provenance.content_scan")
def content_scan_task(*, images: dict[str, str], video: str | None = None, video_name: str = "the video") -> dict:
    """The content policy's score of stored uploads (name -> media path) and of one frame a second of ``video``."""

    def work() -> dict:
        decoder = ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS)
        loaded = {name: decoder.decode_file(media_storage().fetch(path)) for name, path in images.items()}
        verdict = content_scan(model_registry(), images=loaded, video_name=video_name,
                               video=str(media_storage().fetch(video)) if video else None)
        return {"content": {"score": verdict.score, "where": verdict.where}}

    return fast_task_answer(work)
