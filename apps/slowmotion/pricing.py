"""Slow motion prices: per second of input video, by factor. Each factor's price is declared on
its value in the options schema (``SlowMotionOptions.slowdown_factor``); ``SLOWMOTION_PRICES``
lists them keyed by the factor for the kind's registration (and its env overrides). The schema
refuses a factor without a price when it loads, not by a KeyError at submit."""
import math

from apps.jobs.kinds import Price
from apps.jobs.pricing import billable_seconds
from workers.choices import SLOWDOWN_FACTORS
from workers.options import option_price
from workers.pipelines.options import SlowMotionOptions

from .models import SlowMotionJob

SLOWMOTION_PRICES: dict[int, Price] = {
    int(factor): option_price(SlowMotionOptions, "slowdown_factor", factor) for factor in SLOWDOWN_FACTORS.values}


def slowmotion_price(*, factor: int, duration_seconds: float) -> int:
    """Per second of input video at the factor's declared rate, rounded up, at least 1."""
    return max(1, math.ceil(billable_seconds(duration_seconds) * SLOWMOTION_PRICES[int(factor)].credits()))


def slowmotion_job_price(job: SlowMotionJob) -> int:
    """What starting `job` costs (the kind's price in its JobKindSpec)."""
    return slowmotion_price(factor=job.slowdown_factor, duration_seconds=job.duration_seconds or 0)
