"""Keeps every answer under /api/ in the contract's JSON shape, even outside DRF views."""
import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from workers.errors import ErrorCategory

from .errors import TOO_LARGE_MESSAGE, UNEXPECTED_FAILURE, error_response, error_status, is_api_path

logger = logging.getLogger("apps.api.errors")


DOUBLED_SLASHES = re.compile(r"/{2,}")


class ApiErrorMiddleware:
    """Rejects oversize bodies before they are read, and answers unhandled errors with JSON 500.
    Also forgives doubled slashes (a client's base URL ending in "/" sends `/api//user-credits/`)
    and answers a path holding a NUL byte with a 404 before anything can trip over it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "//" in request.path_info:
            request.path_info = DOUBLED_SLASHES.sub("/", request.path_info)
            request.path = DOUBLED_SLASHES.sub("/", request.path)
        if "\x00" in request.path:
            message = "No such path: it contains a NUL byte. Check the URL against the API documentation."
            return error_response(message, category=ErrorCategory.NOT_FOUND)
        # Every path, the console's uploads too: the same limits as the API, before a byte is read.
        too_large = self._reject_oversize(request)
        if too_large is not None:
            return too_large
        return self.get_response(request)

    def _reject_oversize(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refusal(request, "The Content-Length header is not a number.", ErrorCategory.BAD_INPUT)
        content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if content_type.startswith("multipart/"):
            limit, what = settings.ISAMURAI_MAX_UPLOAD_BYTES, "upload"
        else:  # JSON, forms: read into memory whole, so they get the smaller cap
            limit, what = settings.ISAMURAI_MAX_JSON_BYTES, "request body"
        if length > limit:
            return _refusal(
                request,
                f"The {what} is too large ({length // (1024 * 1024)} MB); "
                f"the limit is {limit // (1024 * 1024)} MB. Send a smaller or shorter file.",
                ErrorCategory.TOO_LARGE,
            )
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):  # a chunked body without Content-Length, past the cap
            return _refusal(request, TOO_LARGE_MESSAGE, ErrorCategory.TOO_LARGE)
        if not is_api_path(request.path_info):
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path_info)
        return error_response(UNEXPECTED_FAILURE, category=ErrorCategory.INTERNAL)


def _refusal(request: HttpRequest, message: str, category: ErrorCategory) -> HttpResponse:
    """A request refused before any view: the contract's JSON under /api/, a plain sentence for
    the console's pages; the status from the error table either way."""
    if is_api_path(request.path_info):
        return error_response(message, category=category)
    return HttpResponse(message, status=error_status(category), content_type="text/plain; charset=utf-8")


MEDIA_PREFIX = "/api/media/"


class MediaOriginMiddleware:
    """With ISAMURAI_MEDIA_ORIGIN set, media and the app never share an origin: a media link
    opened on the app's origin is redirected to the media origin (links made before the setting
    keep working, and nothing is served where the console's cookies live), and the media origin
    answers nothing but media (no console, admin or API there)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = settings.ISAMURAI_MEDIA_ORIGIN
        if not origin:
            return self.get_response(request)
        try:
            host = request.get_host().lower()
        except DisallowedHost:
            return self.get_response(request)  # Django answers it (400) as usual
        on_media_origin = host == urlsplit(origin).netloc.lower()
        is_media = request.path_info.startswith(MEDIA_PREFIX)
        if is_media and not on_media_origin:
            return HttpResponseRedirect(f"{origin}{request.get_full_path()}")
        if on_media_origin and not is_media:
            return error_response(f"No endpoint at {request.path} on the media origin: it serves signed media "
                                  "links only; the API and the console are on the server's main address.",
                                  category=ErrorCategory.NOT_FOUND)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (CONTENT_SECURITY_POLICY), plus the origin of a Stripe API base that
    isn't Stripe's own in form-action, read per response like every setting the views read."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponse, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        base = urlsplit(getattr(settings, "ISAMURAI_STRIPE_API_BASE", "") or "")
        if not report_only and base.scheme and base.netloc and base.netloc != "api.stripe.com":
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), f"{base.scheme}://{base.netloc}"]
            parts.update = update
        return parts
