"""The worker side of restore's and the gallery's services: decoding and models, run by their
fast tasks (apps/restore/tasks.py imports it; the web process never does)."""
import base64
import uuid

from django.conf import settings

from apps.core.marking import output_marker
from apps.core.model_access import model_registry
from apps.core.storage import media_storage
from workers.errors import MediaError
from workers.faces.analyser import FaceAnalyser, largest
from workers.imaging.codec import ImageDecoder, JpegEncoder
from workers.options import options_parse
from workers.pipelines.options import RestoreOptions
from workers.pipelines.restore import restore_image

from .provenance import RESTORE_PROVENANCE


def _load(relpath: str, *, field: str):
    """The stored upload's pixels (the web process checked its header only); a 400 naming ``field``
    when it doesn't decode."""
    try:
        return ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS).decode_file(media_storage().fetch(relpath))
    except MediaError as exc:
        raise MediaError(f"{field}: {exc.user_message}", detail=exc.detail) from None


def restored_image_render(*, image: str, mode: str, output_id: str, label: bool | None = None,
                          options: dict | None = None) -> dict:
    """The restored photo as a marked JPEG (base64) and how many faces it restored. ``options``:
    every restore option (a sender from before enhance_model sent ``mode`` only)."""
    result = restore_image(model_registry(), _load(image, field="image"),
                           options_parse(RestoreOptions, options or {}, mode=mode),
                           max_output_pixels=settings.ISAMURAI_RESTORE_MAX_OUTPUT_PIXELS)
    marker = output_marker(output_id=uuid.UUID(output_id), provenance=RESTORE_PROVENANCE, label=label)
    jpeg = marker.seal_bytes(JpegEncoder(quality=92).encode(marker.mark_frame(result.image)),
                             mime_type="image/jpeg")
    return {"image_base64": base64.b64encode(jpeg).decode(), "faces": result.faces_restored}


def gallery_source_analyse(*, image: str, field: str = "images") -> dict:
    """Face count and the largest face's embedding of an uploaded source (request field ``field``)."""
    faces = FaceAnalyser(model_registry()).analyse(_load(image, field=field))
    if not faces:
        return {"faces": 0, "embedding": None}
    face = largest(faces)  # the face a swap takes from a source photo
    # Stored at full float32 precision: swaps with this source use it as their source identity.
    return {"faces": len(faces), "embedding": [float(v) for v in face.embedding]}
