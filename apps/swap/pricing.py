"""Face swap prices: jobs (video per minute, image flat) and previews. The price list is data
(``FACESWAP_PRICES``, registered with the kind); each figure's env variable overrides it. A
preview's prices are declared in the options schema (its base, and enhance's on the option's
value) and listed here so the kind registers every figure."""
import math

from apps.jobs.kinds import Price
from apps.jobs.pricing import billable_seconds
from workers.choices import MEDIA_IMAGE
from workers.options import OptionsSchema, chosen_prices, option_price
from workers.pipelines.options import PREVIEW_PRICE
from workers.processors.face_enhance import FaceEnhanceOptions

from .models import FaceSwapJob

VIDEO_PER_MINUTE = Price("video face swap, per minute of input", 50, "ISAMURAI_PRICE_VIDEO_SWAP_PER_MINUTE")
IMAGE = Price("face swap on an image", 2, "ISAMURAI_PRICE_IMAGE_SWAP")
PREVIEW = PREVIEW_PRICE
PREVIEW_ENHANCE = option_price(FaceEnhanceOptions, "enhance", True)

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


def preview_price(options: OptionsSchema) -> int:
    """A preview's base price, or the highest price one of its chosen values declares (enhance)."""
    return max(price.credits() for price in [PREVIEW_PRICE, *chosen_prices(options)])
