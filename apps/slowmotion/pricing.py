"""Slow motion prices: per second of input video, by factor."""
import math

from apps.jobs.pricing import billable_seconds, price_table

from .models import SlowMotionJob


def slowmotion_price(*, factor: int, duration_seconds: float) -> int:
    """Per second of input video by factor, rounded up, at least 1."""
    return max(1, math.ceil(billable_seconds(duration_seconds) * price_table()[f"slowmo_{factor}x_per_second"]))


def slowmotion_job_price(job: SlowMotionJob) -> int:
    """What starting `job` costs (the kind's price in its JobKindSpec)."""
    return slowmotion_price(factor=job.slowdown_factor, duration_seconds=job.duration_seconds or 0)
