"""Fast-queue tasks: synchronous face work for the API (previews, checks, frame analysis).
Images travel as base64 (previews) or as media paths (uploads already on the shared disk)."""
import base64
import uuid

import numpy as np
from celery import shared_task
from django.conf import settings

from apps.core.fast import fast_task_answer
from apps.core.model_access import model_registry
from apps.core.provenance import output_marker
from apps.core.storage import media_storage
from workers.choices import FACE_SELECTIONS
from workers.imaging.codec import ImageDecoder, JpegEncoder
from workers.pipelines.faceswap import analyse_frame, build_frame_swapper, swap_image
from workers.provenance.content_policy import content_scan


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
                      enhance: bool = False, face_selection: str = FACE_SELECTIONS.default, label: bool | None = None,
                      content_threshold: float | None = None) -> dict:
    def work() -> dict:
        target_image = _from_b64(target)
        if persons is not None:
            sources, thumbnails = _persons(persons, _from_b64)
        else:
            sources, thumbnails = _from_b64(source), None
        if content_threshold is not None:  # block mode: a refused preview isn't swapped at all
            content = _content_score(sources=sources, target=target_image)
            if content["score"] >= content_threshold:
                return {"content": content}
        result = swap_image(model_registry(), target=target_image, sources=sources, thumbnails=thumbnails,
                            enhance=enhance, face_selection=face_selection)
        marker = output_marker(output_id=uuid.UUID(output_id), kind="preview", label=label)
        jpeg = marker.seal_bytes(JpegEncoder(quality=90).encode(marker.mark_frame(result)), mime_type="image/jpeg")
        return {"image_base64": base64.b64encode(jpeg).decode(), "content": None}

    return fast_task_answer(work)


def _content_score(*, sources, target: np.ndarray | None = None, target_video: str | None = None) -> dict:
    images = ({f"the source image of {person}": image for person, image in sources.items()}
              if isinstance(sources, dict) else {"the source image": sources})
    if target is not None:
        images["the target image"] = target
    verdict = content_scan(model_registry(), images=images, video=target_video)
    return {"score": verdict.score, "where": verdict.where}


@shared_task(name="swap.check_sources")
def swap_check_sources_task(*, source: str | None = None, persons: list[dict] | None = None,
                            target: str | None = None, target_is_image: bool = False,
                            refuse_at: float | None = None) -> dict:
    """Submission-time check: each source (and each multi person's thumbnail) has a face; with
    ``target``, also the content policy's scores of the sources and of the target (one frame a
    second), answered before the face check when the score reaches ``refuse_at`` (block mode)."""

    def work() -> dict:
        if persons is not None:
            sources, thumbnails = _persons(persons, _from_media)
        else:
            sources, thumbnails = _from_media(source), None
        answer = {}
        if target is not None:
            path = media_storage().fetch(target)
            answer["content"] = _content_score(sources=sources, target=_from_media(target) if target_is_image else None,
                                               target_video=None if target_is_image else str(path))
            if refuse_at is not None and answer["content"]["score"] >= refuse_at:
                return answer
        build_frame_swapper(model_registry(), sources=sources, thumbnails=thumbnails)
        return answer

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
