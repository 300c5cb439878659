"""Slow motion prices: per second of input video, by factor. The price list is data keyed by the
factor itself (``SLOWMOTION_PRICES``, registered with the kind); a factor without a price is
refused when the module loads, not by a KeyError at submit."""
import math

from apps.jobs.kinds import Price
from apps.jobs.pricing import billable_seconds
from workers.choices import SLOWDOWN_FACTORS

from .models import SlowMotionJob

# One price per factor, in the order of SLOWDOWN_FACTORS (strict: a factor added without its
# price stops the server at start, not a job at submit).
SLOWMOTION_PRICES: dict[int, Price] = dict(zip(SLOWDOWN_FACTORS.values, (
    Price("slow motion 2x, per second of input", 2, "ISAMURAI_PRICE_SLOWMO_2X"),
    Price("slow motion 4x, per second of input", 3, "ISAMURAI_PRICE_SLOWMO_4X"),
    Price("slow motion 8x, per second of input", 7, "ISAMURAI_PRICE_SLOWMO_8X"),
), strict=True))


def slowmotion_price(*, factor: int, duration_seconds: float) -> int:
    """Per second of input video by factor, rounded up, at least 1."""
    return max(1, math.ceil(billable_seconds(duration_seconds) * SLOWMOTION_PRICES[factor].credits()))


def slowmotion_job_price(job: SlowMotionJob) -> int:
    """What starting `job` costs (the kind's price in its JobKindSpec)."""
    return slowmotion_price(factor=job.slowdown_factor, duration_seconds=job.duration_seconds or 0)
