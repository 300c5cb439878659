"""Face swap prices: jobs (video per minute, image flat) and previews. The price list is data
(``FACESWAP_PRICES``, registered with the kind); each figure's env variable overrides it."""
import math

from apps.jobs.kinds import Price
from apps.jobs.pricing import billable_seconds
from workers.choices import MEDIA_IMAGE

from .models import FaceSwapJob

VIDEO_PER_MINUTE = Price("video face swap, per minute of input", 50, "ISAMURAI_PRICE_VIDEO_SWAP_PER_MINUTE")
IMAGE = Price("face swap on an image", 2, "ISAMURAI_PRICE_IMAGE_SWAP")
PREVIEW = Price("preview", 1, "ISAMURAI_PRICE_PREVIEW")
PREVIEW_ENHANCE = Price("preview with enhance", 2, "ISAMURAI_PRICE_PREVIEW_ENHANCE")

FACESWAP_PRICES = {"video_per_minute": VIDEO_PER_MINUTE, "image": IMAGE, "preview": PREVIEW,
                   "preview_enhance": PREVIEW_ENHANCE}


def faceswap_video_price(*, duration_seconds: float) -> int:
    """Per minute of input, prorated per second, rounded up, at least 1: 7.2 s -> ceil(7.2 x 50/60) = 6."""
    return max(1, math.ceil(billable_seconds(duration_seconds) * VIDEO_PER_MINUTE.credits() / 60))


def faceswap_image_price() -> int:
    return IMAGE.credits()


def faceswap_price(job: FaceSwapJob) -> int:
    """What starting `job` costs (the kind's price in its JobKindSpec)."""
    if job.media_type == MEDIA_IMAGE:
        return faceswap_image_price()
    return faceswap_video_price(duration_seconds=job.duration_seconds or 0)


def preview_price(*, enhance: bool) -> int:
    return (PREVIEW_ENHANCE if enhance else PREVIEW).credits()
