"""Fast-queue tasks: synchronous face work for the API (previews, checks, frame analysis).
Images travel as base64 (previews) or as media paths (uploads already on the shared disk)."""
import base64
import uuid

from celery import shared_task
from django.conf import settings

from apps.core.fast import fast_task_answer
from apps.core.model_access import model_registry
from apps.core.provenance import output_marker
from apps.core.storage import media_storage
from workers.imaging.codec import ImageDecoder, JpegEncoder
from workers.pipelines.faceswap import analyse_frame, build_frame_swapper, swap_image


def _decoder() -> ImageDecoder:
    return ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS)


def _from_b64(text: str):
    return _decoder().decode(base64.b64decode(text))


def _from_media(relpath: str):
    return _decoder().decode_file(media_storage().fetch(relpath))


def _persons(persons: list[dict], load) -> tuple[dict, dict]:
    thumbnails = {p["person_id"]: load(p["thumbnail"]) for p in persons}
    sources = {p["person_id"]: load(p["source"]) for p in persons if p.get("source")}
    return sources, thumbnails


@shared_task(name="swap.preview")
def swap_preview_task(*, target: str, output_id: str, source: str | None = None, persons: list[dict] | None = None,
                      enhance: bool = False, face_selection: str = "reference", label: bool | None = None) -> dict:
    def work() -> dict:
        target_image = _from_b64(target)
        if persons is not None:
            sources, thumbnails = _persons(persons, _from_b64)
        else:
            sources, thumbnails = _from_b64(source), None
        result = swap_image(model_registry(), target=target_image, sources=sources, thumbnails=thumbnails,
                            enhance=enhance, face_selection=face_selection)
        marker = output_marker(output_id=uuid.UUID(output_id), kind="preview", label=label)
        jpeg = marker.seal_bytes(JpegEncoder(quality=90).encode(marker.mark_frame(result)), mime_type="image/jpeg")
        return {"image_base64": base64.b64encode(jpeg).decode()}

    return fast_task_answer(work)


@shared_task(name="swap.check_sources")
def swap_check_sources_task(*, source: str | None = None, persons: list[dict] | None = None) -> dict:
    """Submission-time check: each source (and each multi person's thumbnail) has a face."""

    def work() -> dict:
        if persons is not None:
            sources, thumbnails = _persons(persons, _from_media)
        else:
            sources, thumbnails = _from_media(source), None
        build_frame_swapper(model_registry(), sources=sources, thumbnails=thumbnails)
        return {}

    return fast_task_answer(work)


@shared_task(name="swap.analyse_frame")
def swap_analyse_frame_task(*, target: str) -> dict:
    def work() -> dict:
        persons = analyse_frame(model_registry(), _from_b64(target))
        return {"analysis": [
            {"person_id": p.person_id, "thumbnail": base64.b64encode(p.thumbnail_jpeg).decode(), "bbox": p.bbox}
            for p in persons
        ]}

    return fast_task_answer(work)
