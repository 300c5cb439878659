"""The worker side of the content policy (apps.core.content_policy): score stored uploads;
decoding media and running the classifier stay off the web process (apps/core/tasks.py imports
this module, the web process never does)."""
from typing import TYPE_CHECKING

from django.conf import settings

from workers.errors import MediaError
from workers.imaging.codec import ImageDecoder
from workers.provenance.content_policy import content_scan

from .model_access import model_registry
from .storage import media_storage

if TYPE_CHECKING:
    import numpy as np


def _decoded(name: str, path: str, field: str) -> "np.ndarray":
    """An upload's pixels (the web process checked its header only); a 400 naming its field."""
    try:
        return ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS).decode_file(media_storage().fetch(path))
    except MediaError as exc:
        raise MediaError(f"{field}: {exc.user_message}", detail=exc.detail) from None


def content_uploads_score(*, images: dict[str, str], video: str | None = None, video_name: str = "the video",
                          fields: dict[str, str] | None = None) -> dict:
    """The content policy's score of stored uploads (name -> media path) and of one frame a second
    of ``video``; ``fields`` (name -> request field) names an image that doesn't decode."""
    loaded = {name: _decoded(name, path, (fields or {}).get(name, name)) for name, path in images.items()}
    verdict = content_scan(model_registry(), images=loaded, video_name=video_name,
                           video=str(media_storage().fetch(video)) if video else None)
    return {"content": {"score": verdict.score, "where": verdict.where}}
