"""Fast-queue tasks: synchronous face work for the API (previews, checks, frame analysis).
Images travel as base64 (previews) or as media paths (uploads already on the shared disk)."""
import base64
from collections.abc import Callable

import numpy as np
from celery import shared_task
from django.conf import settings

from apps.core.fast import fast_task_answer
from apps.core.model_access import model_registry
from apps.core.storage import media_storage
from workers.choices import FACE_SELECTIONS
from workers.faces.analyser import FaceAnalyser
from workers.faces.matching import SINGLE_SOURCE_KEY
from workers.imaging.codec import ImageDecoder, JpegEncoder
from workers.pipelines.faceswap import analyse_frame, build_frame_swapper, swap_image
from workers.pipelines.sources import FaceIdentity, SwapSources, sources_analyse
from workers.processors.chain import FrameProcessing


def _decoder() -> ImageDecoder:
    return ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS)


def _from_b64(text: str):
    return _decoder().decode(base64.b64decode(text))


def _from_media(relpath: str):
    return _decoder().decode_file(media_storage().fetch(relpath))


def _swap_sources(models, entries: list[dict], load: Callable[[str], np.ndarray]) -> SwapSources:
    """Analyse the entries of apps.swap.sources.source_entries (photos loaded with ``load``)."""
    photos = {e["person_id"]: [load(item) for item in e["sources"]] for e in entries if e.get("sources")}
    labels = {e["person_id"]: e.get("labels") or [] for e in entries}
    known = {e["person_id"]: [FaceIdentity(np.asarray(v, np.float32)) for v in e["known"]]
             for e in entries if e.get("known")}
    analyser = FaceAnalyser(models)
    if len(entries) == 1 and entries[0]["person_id"] == SINGLE_SOURCE_KEY:
        return sources_analyse(analyser, photos.get(SINGLE_SOURCE_KEY, []), labels=labels, known=known)
    thumbnails = {e["person_id"]: load(e["thumbnail"]) for e in entries}
    return sources_analyse(analyser, photos, thumbnails, labels=labels, known=known)


@shared_task(name="swap.preview")
def swap_preview_task(*, target: str, persons: list[dict], enhance: bool = False,
                      face_selection: str = FACE_SELECTIONS.default, quality_options: dict | None = None) -> dict:
    def work() -> dict:
        models = model_registry()
        target_image = _from_b64(target)
        sources = _swap_sources(models, persons, _from_b64)
        result = swap_image(models, target=target_image, sources=sources, face_selection=face_selection,
                            processing=FrameProcessing.from_options({**(quality_options or {}), "enhance": enhance}))
        return {"image_base64": base64.b64encode(JpegEncoder(quality=90).encode(result)).decode()}

    return fast_task_answer(work)


@shared_task(name="swap.check_sources")
def swap_check_sources_task(*, persons: list[dict], quality_options: dict | None = None) -> dict:
    """Submission-time check: each source (and each multi person's thumbnail) has a face, and the
    models the job's quality options need are installed (503 before anything is charged). Answers
    what it found (``SwapSources`` as JSON), which the job keeps for its GPU run."""

    def work() -> dict:
        models = model_registry()
        sources = _swap_sources(models, persons, _from_media)
        # the models the GPU run needs load
        build_frame_swapper(models, sources=sources, processing=FrameProcessing.from_options(quality_options or {}))
        return {"sources": sources.to_json()}

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
