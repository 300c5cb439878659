"""Fast-queue tasks for restore and the gallery (models load only in workers)."""
import base64
import uuid

from celery import shared_task
from django.conf import settings

from apps.core.fast import fast_task_answer
from apps.core.marking import output_marker
from apps.core.model_access import model_registry
from apps.core.storage import media_storage
from workers.faces.analyser import FaceAnalyser, largest
from workers.imaging.codec import ImageDecoder, JpegEncoder
from workers.options import options_parse
from workers.pipelines.options import RestoreOptions
from workers.pipelines.restore import restore_image

from .provenance import RESTORE_PROVENANCE
from .services import GALLERY_ANALYSE_SOURCE_TASK, RESTORE_IMAGE_TASK


def _load(relpath: str):
    return ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS).decode_file(media_storage().fetch(relpath))


@shared_task(name=RESTORE_IMAGE_TASK)
def restore_image_task(*, image: str, mode: str, output_id: str, label: bool | None = None,
                       options: dict | None = None) -> dict:
    # ``options``: every restore option (a sender from before enhance_model sent ``mode`` only).
    def work() -> dict:
        result = restore_image(model_registry(), _load(image), options_parse(RestoreOptions, options or {}, mode=mode),
                               max_output_pixels=settings.ISAMURAI_RESTORE_MAX_OUTPUT_PIXELS)
        marker = output_marker(output_id=uuid.UUID(output_id), provenance=RESTORE_PROVENANCE, label=label)
        jpeg = marker.seal_bytes(JpegEncoder(quality=92).encode(marker.mark_frame(result.image)),
                                 mime_type="image/jpeg")
        return {"image_base64": base64.b64encode(jpeg).decode(), "faces": result.faces_restored}

    return fast_task_answer(work)


@shared_task(name=GALLERY_ANALYSE_SOURCE_TASK)
def gallery_analyse_source_task(*, image: str) -> dict:
    """Face count and the largest face's embedding of an uploaded source."""

    def work() -> dict:
        faces = FaceAnalyser(model_registry()).analyse(_load(image))
        if not faces:
            return {"faces": 0, "embedding": None}
        face = largest(faces)  # the face a swap takes from a source photo
        # Stored at full float32 precision: swaps with this source use it as their source identity.
        return {"faces": len(faces), "embedding": [float(v) for v in face.embedding]}

    return fast_task_answer(work)
