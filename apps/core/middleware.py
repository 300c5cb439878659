"""Keeps every answer under /api/ in the contract's JSON shape, even outside DRF views."""
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from .errors import UNEXPECTED_FAILURE, error_response, is_api_path

logger = logging.getLogger("apps.api.errors")


class ApiErrorMiddleware:
    """Rejects oversize bodies before they are read, and answers unhandled errors with JSON 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_path(request.path_info):
            too_large = self._reject_oversize(request)
            if too_large is not None:
                return too_large
        return self.get_response(request)

    def _reject_oversize(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response("The Content-Length header is not a number.", status=400)
        limit = settings.ISAMURAI_MAX_UPLOAD_BYTES
        if length > limit:
            return error_response(
                f"The upload is too large ({length // (1024 * 1024)} MB); "
                f"the limit is {limit // (1024 * 1024)} MB. Send a smaller or shorter file.",
                status=413,
            )
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path_info):
            return None
        if isinstance(exception, RequestDataTooBig):
            return error_response("The request is too large; send a smaller file.", status=413)
        logger.exception("Unhandled error on %s %s", request.method, request.path_info)
        return error_response(UNEXPECTED_FAILURE, status=500)
