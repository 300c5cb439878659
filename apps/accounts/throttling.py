"""Request rates per API key (DRF throttling on the Django cache: Redis in production).

Two buckets: `charge` for the endpoints that take credits (views say so with
`throttle_scope = "charge"`), `read` for everything else. A plan may set its own rates.
`view` is untyped: rest_framework.views imports this module through its settings.
"""
from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

CHARGE = "charge"
READ = "read"


def throttle_rate_get(*, user, scope: str) -> str:
    """The rate ('N/period') that applies to `user` for `scope`: the plan's, else the setting."""
    plan = getattr(user, "plan", None)
    override = getattr(plan, f"throttle_{scope}", "") if plan is not None else ""
    if override:
        return override
    return settings.ISAMURAI_THROTTLE_CHARGE if scope == CHARGE else settings.ISAMURAI_THROTTLE_READ


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Counts per API key (per user for a console session); anonymous requests are not counted
    here (media links are signed, and a bad key is refused before any work)."""

    cache_format = "throttle_%(scope)s_%(ident)s"

    def __init__(self) -> None:  # the rate depends on the caller's plan: set in allow_request
        self.rate = None
        self.num_requests = self.duration = None

    def get_cache_key(self, request: Request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        api_key = request.auth
        ident = f"key{api_key.pk}" if getattr(api_key, "pk", None) else f"user{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view) -> bool:
        self.scope = CHARGE if getattr(view, "throttle_scope", READ) == CHARGE else READ
        self.rate = throttle_rate_get(user=request.user, scope=self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
