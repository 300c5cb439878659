"""The worker side of the face swap's services: the synchronous face work its fast tasks run
(previews, the submit-time check of the sources, frame analysis). Decodes images and loads models,
so only apps/swap/tasks.py imports it (never the web process). Images travel as base64 (previews)
or as media paths (uploads already on the shared disk)."""
import base64
import uuid
from collections.abc import Callable

import numpy as np
from django.conf import settings

from apps.core.marking import output_marker
from apps.core.model_access import model_registry
from apps.core.storage import media_storage
from workers.errors import MediaError
from workers.faces.analyser import FaceAnalyser
from workers.faces.matching import SINGLE_SOURCE_KEY
from workers.imaging.codec import ImageDecoder, JpegEncoder
from workers.options import required_models
from workers.pipelines.faceswap import analyse_frame, build_frame_swapper, swap_image
from workers.pipelines.options import FACESWAP_MODELS, faceswap_options
from workers.pipelines.sources import FaceIdentity, SwapSources, sources_analyse
from workers.provenance.content_policy import content_scan

from .provenance import PREVIEW_PROVENANCE


def _decoder() -> ImageDecoder:
    return ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS)


def _from_b64(text: str):
    return _decoder().decode(base64.b64decode(text))


def _from_media(relpath: str):
    return _decoder().decode_file(media_storage().fetch(relpath))


def _field_decoded(field: str, load: Callable[[str], np.ndarray], item: str) -> np.ndarray:
    """``load(item)``, with a decoding failure naming the request field the image came in."""
    try:
        return load(item)
    except MediaError as exc:
        raise MediaError(f"{field}: {exc.user_message}", detail=exc.detail) from None


def _source_photos(entries: list[dict], load: Callable[[str], np.ndarray]) -> dict[str, list[np.ndarray]]:
    """Each person's uploaded source photos (entries of apps.swap.sources.source_entries), decoded once."""
    photos = {}
    for entry in entries:
        if entry.get("sources"):
            labels = list(entry.get("labels") or []) + ["source_image"] * len(entry["sources"])
            photos[entry["person_id"]] = [_field_decoded(label, load, item)
                                          for label, item in zip(labels, entry["sources"], strict=False)]
    return photos


def _swap_sources(models, entries: list[dict], photos: dict[str, list[np.ndarray]],
                  load: Callable[[str], np.ndarray]) -> SwapSources:
    """Analyse the entries' photos (and multi thumbnails, loaded with ``load``)."""
    labels = {e["person_id"]: e.get("labels") or [] for e in entries}
    known = {e["person_id"]: [FaceIdentity(np.asarray(v, np.float32)) for v in e["known"]]
             for e in entries if e.get("known")}
    analyser = FaceAnalyser(models)
    if len(entries) == 1 and entries[0]["person_id"] == SINGLE_SOURCE_KEY:
        return sources_analyse(analyser, photos.get(SINGLE_SOURCE_KEY, []), labels=labels, known=known)
    thumbnails = {e["person_id"]: _field_decoded(f"{e['person_id']}.thumbnail", load, e["thumbnail"])
                  for e in entries}
    return sources_analyse(analyser, photos, thumbnails, labels=labels, known=known)


def _content_score(*, photos: dict[str, list[np.ndarray]], target: np.ndarray | None = None,
                   target_video: str | None = None) -> dict:
    """The content policy's score of the uploaded sources and the target, and where it peaked."""
    images = {}
    for person, items in photos.items():
        name = "the source image" if person == SINGLE_SOURCE_KEY else f"the source image of {person}"
        for number, image in enumerate(items, start=1):
            images[name if len(items) == 1 else f"{name} (photo {number})"] = image
    if target is not None:
        images["the target image"] = target
    verdict = content_scan(model_registry(), images=images, video=target_video)
    return {"score": verdict.score, "where": verdict.where}


def swap_preview_render(*, target: str, output_id: str, persons: list[dict], options: dict,
                        label: bool | None = None, content_threshold: float | None = None) -> dict:
    """A marked JPEG preview of the swap (base64), or the content policy's refusal alone."""
    models = model_registry()
    target_image = _field_decoded("target_image_base64", _from_b64, target)
    photos = _source_photos(persons, _from_b64)
    if content_threshold is not None:  # block mode: a refused preview isn't swapped at all
        content = _content_score(photos=photos, target=target_image)
        if content["score"] >= content_threshold:
            return {"content": content}
    sources = _swap_sources(models, persons, photos, _from_b64)
    result = swap_image(models, target=target_image, sources=sources, options=faceswap_options(options))
    marker = output_marker(output_id=uuid.UUID(output_id), provenance=PREVIEW_PROVENANCE, label=label)
    jpeg = marker.seal_bytes(JpegEncoder(quality=90).encode(marker.mark_frame(result)), mime_type="image/jpeg")
    return {"image_base64": base64.b64encode(jpeg).decode(), "content": None}


def swap_sources_check(*, persons: list[dict], options: dict, target: str | None = None,
                       target_is_image: bool = False, refuse_at: float | None = None,
                       target_image: str | None = None) -> dict:
    """Submission-time check: every model the job's options need is installed (each option's
    declared models: 503 naming the first missing one, before anything is charged), and each
    source (and each multi person's thumbnail) has a face. Answers
    what it found (``sources``: ``SwapSources`` as JSON), which the job keeps for its GPU run. With
    ``target``, also the content policy's scores of the sources and of the target (one frame a
    second), answered alone when the score reaches ``refuse_at`` (block mode). ``target_image``,
    a target that is an image, is decoded here (the web process reads its header only): a 400
    naming target_media when it doesn't decode."""
    models = model_registry()
    job_options = faceswap_options(options)
    models.require(list(FACESWAP_MODELS) + required_models(job_options))
    photos = _source_photos(persons, _from_media)
    target_image = target_image or (target if target_is_image else None)
    target_pixels = _field_decoded("target_media", _from_media, target_image) if target_image else None
    answer = {}
    if target is not None:
        answer["content"] = _content_score(
            photos=photos, target=target_pixels if target_is_image else None,
            target_video=None if target_is_image else str(media_storage().fetch(target)))
        if refuse_at is not None and answer["content"]["score"] >= refuse_at:
            return answer
    sources = _swap_sources(models, persons, photos, _from_media)
    # the models the GPU run needs load (the same options, so the same models)
    build_frame_swapper(models, sources=sources, options=job_options)
    answer["sources"] = sources.to_json()
    return answer


def swap_frame_analyse(*, target: str) -> dict:
    """The persons of a frame (base64 image): each one's id, thumbnail and box."""
    persons = analyse_frame(model_registry(), _field_decoded("target_image_base64", _from_b64, target))
    return {"analysis": [
        {"person_id": p.person_id, "thumbnail": base64.b64encode(p.thumbnail_jpeg).decode(), "bbox": p.bbox}
        for p in persons
    ]}
