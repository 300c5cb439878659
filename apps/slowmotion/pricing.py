"""Slow motion prices: per second of input video, by factor."""
import math

from apps.jobs.pricing import billable_seconds, price_get
from workers.options import option_price
from workers.pipelines.options import SlowMotionOptions

from .models import SlowMotionJob


def slowmotion_price(*, factor: int, duration_seconds: float) -> int:
    """Per second of input video at the factor's declared rate (its Price), rounded up, at least 1."""
    rate = price_get(option_price(SlowMotionOptions, "slowdown_factor", factor))
    return max(1, math.ceil(billable_seconds(duration_seconds) * rate))


def slowmotion_job_price(job: SlowMotionJob) -> int:
    """What starting `job` costs (the kind's price in its JobKindSpec)."""
    return slowmotion_price(factor=job.slowdown_factor, duration_seconds=job.duration_seconds or 0)
