"""Fast-queue tasks: synchronous face work for the API (previews, checks, frame analysis).
Images travel as base64 (previews) or as media paths (uploads already on the shared disk)."""
import base64

from celery import shared_task
from django.conf import settings

from apps.core.fast import fast_task_answer
from apps.core.model_access import model_registry
from apps.core.storage import media_storage
from workers.choices import FACE_SELECTIONS
from workers.imaging.codec import ImageDecoder, JpegEncoder
from workers.pipelines.faceswap import analyse_frame, build_frame_swapper, swap_image
from workers.processors.chain import FrameProcessing


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
def swap_preview_task(*, target: str, source: str | None = None, persons: list[dict] | None = None,
                      enhance: bool = False, face_selection: str = FACE_SELECTIONS.default,
                      quality_options: dict | None = None) -> dict:
    def work() -> dict:
        target_image = _from_b64(target)
        if persons is not None:
            sources, thumbnails = _persons(persons, _from_b64)
        else:
            sources, thumbnails = _from_b64(source), None
        result = swap_image(model_registry(), target=target_image, sources=sources, thumbnails=thumbnails,
                            face_selection=face_selection,
                            processing=FrameProcessing.from_options({**(quality_options or {}), "enhance": enhance}))
        return {"image_base64": base64.b64encode(JpegEncoder(quality=90).encode(result)).decode()}

    return fast_task_answer(work)


@shared_task(name="swap.check_sources")
def swap_check_sources_task(*, source: str | None = None, persons: list[dict] | None = None,
                            quality_options: dict | None = None) -> dict:
    """Submission-time check: each source (and each multi person's thumbnail) has a face, and
    the models the job's quality options need are installed (503 before anything is charged)."""

    def work() -> dict:
        if persons is not None:
            sources, thumbnails = _persons(persons, _from_media)
        else:
            sources, thumbnails = _from_media(source), None
        build_frame_swapper(model_registry(), sources=sources, thumbnails=thumbnails,
                            processing=FrameProcessing.from_options(quality_options or {}))
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
