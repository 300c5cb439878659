"""Face swap prices: jobs (video per minute, image flat) and previews."""
import math

from apps.jobs.pricing import billable_seconds, price_get, price_table
from workers.choices import MEDIA_IMAGE
from workers.options import OptionsSchema, chosen_prices
from workers.pipelines.options import PREVIEW_PRICE

from .models import FaceSwapJob


def faceswap_video_price(*, duration_seconds: float) -> int:
    """Per minute of input, prorated per second, rounded up, at least 1: 7.2 s -> ceil(7.2 x 50/60) = 6."""
    return max(1, math.ceil(billable_seconds(duration_seconds) * price_table()["video_swap_per_minute"] / 60))


def faceswap_image_price() -> int:
    return price_table()["image_swap"]


def faceswap_price(job: FaceSwapJob) -> int:
    """What starting `job` costs (the kind's price in its JobKindSpec)."""
    if job.media_type == MEDIA_IMAGE:
        return faceswap_image_price()
    return faceswap_video_price(duration_seconds=job.duration_seconds or 0)


def preview_price(options: OptionsSchema) -> int:
    """A preview's base price, or the highest price one of its chosen values declares (enhance)."""
    return max(price_get(price) for price in [PREVIEW_PRICE, *chosen_prices(options)])
