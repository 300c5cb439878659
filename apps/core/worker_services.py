"""The worker side of the content policy (apps.core.content_policy): score stored uploads;
decoding media and running the classifier stay off the web process (apps/core/tasks.py imports
this module, the web process never does)."""
from django.conf import settings

from workers.imaging.codec import ImageDecoder
from workers.provenance.content_policy import content_scan

from .model_access import model_registry
from .storage import media_storage


def content_uploads_score(*, images: dict[str, str], video: str | None = None, video_name: str = "the video") -> dict:
    """The content policy's score of stored uploads (name -> media path) and of one frame a second of ``video``."""
    decoder = ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS)
    loaded = {name: decoder.decode_file(media_storage().fetch(path)) for name, path in images.items()}
    verdict = content_scan(model_registry(), images=loaded, video_name=video_name,
                           video=str(media_storage().fetch(video)) if video else None)
    return {"content": {"score": verdict.score, "where": verdict.where}}
