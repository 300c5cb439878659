"""Request rates per API key (a DRF throttle on the Django cache: Redis in production).

Two buckets: `charge` for the endpoints that take credits or upload work (views say so with
`throttle_scope = "charge"`), `read` for everything else. A plan may set its own rates.

A sliding-window estimate over two fixed-window counters (this window's count plus the previous
window's, weighted by how much of it still overlaps): one atomic INCR and one GET per request (two round trips),
where DRF's SimpleRateThrottle reads and rewrites a list of every timestamp in the window (up
to 600 of them at the default) and can let racing requests through together.
`view` is untyped: rest_framework.views imports this module through its settings.
"""
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from .selectors import plan_for_user_get

CHARGE = "charge"
READ = "read"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def throttle_rate_get(*, user, scope: str) -> str | None:
    """The rate ('N/period') that applies to `user` for `scope`: their plan's (the default plan's
    for a user without one, as every other limit), else the setting."""
    plan = plan_for_user_get(user=user)
    override = getattr(plan, f"throttle_{scope}", "") if plan is not None else ""
    if override:
        return override
    return settings.ISAMURAI_THROTTLE_CHARGE if scope == CHARGE else settings.ISAMURAI_THROTTLE_READ


def throttle_rate_parse(rate: str) -> tuple[int, int]:
    """'600/min' -> (600, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0]]


class ApiKeyRateThrottle(BaseThrottle):
    """Counts per API key (per user for a console session). Anonymous requests are not counted
    here: media links are signed, and a bad key is refused before any work."""

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return True
        scope = CHARGE if getattr(view, "throttle_scope", READ) == CHARGE else READ
        rate = throttle_rate_get(user=request.user, scope=scope)
        if not rate:
            return True
        limit, period = throttle_rate_parse(rate)
        api_key = request.auth
        ident = f"key{api_key.pk}" if getattr(api_key, "pk", None) else f"user{request.user.pk}"
        now = time.time()
        window = int(now // period)
        elapsed = now / period - window  # fraction of this window gone
        current_key, previous_key = (f"throttle:{scope}:{ident}:{w}" for w in (window, window - 1))
        try:
            current = cache.incr(current_key)  # the common case: one round trip
        except ValueError:  # first request of this window (or a racing one created it meanwhile)
            current = 1 if cache.add(current_key, 1, timeout=2 * period + 1) else cache.incr(current_key)
        previous = cache.get(previous_key, 0)
        if previous * (1 - elapsed) + current <= limit:
            return True
        cache.decr(current_key)  # a refused request doesn't count
        current -= 1
        self.retry_after = self._seconds_until_allowed(limit, period, elapsed, previous, current)
        return False

    @staticmethod
    def _seconds_until_allowed(limit: int, period: int, elapsed: float, previous: int, current: int) -> float:
        """When previous * (1 - f) + current + 1 <= limit first holds again."""
        if current + 1 <= limit and previous:
            return max(0.0, (1 - (limit - current - 1) / previous) - elapsed) * period
        # This window is full: it becomes the previous one, fading out over the next window.
        fade = max(0.0, 1 - (limit - 1) / current) if current else 0.0
        return ((1 - elapsed) + fade) * period

    def wait(self) -> float | None:
        return math.ceil(self.retry_after) if self.retry_after is not None else None
