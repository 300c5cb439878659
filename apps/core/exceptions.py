"""Exceptions that services raise, and DRF's handler that turns every error into the contract's JSON.

Every error a user is told about is a ``workers.errors.UserFacingError``; its category picks the
status from ``apps.core.errors.ERROR_RULES``."""
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from workers.errors import ErrorCategory, UserFacingError

from .errors import ERROR_RULES, TOO_LARGE_MESSAGE, error_body, error_status

logger = logging.getLogger(__name__)


class ApplicationError(UserFacingError):
    """A failure the user can act on; `message` is the one sentence they see. ``category``
    (per class, or per raise) decides the HTTP status."""

    category = ErrorCategory.BAD_INPUT

    def __init__(self, message: str, *, details: dict[str, Any] | None = None,
                 category: ErrorCategory | None = None) -> None:
        super().__init__(message)
        self.details = details
        if category is not None:
            self.category = category

    @property
    def message(self) -> str:
        return self.user_message

    @property
    def status_code(self) -> int:
        return ERROR_RULES[self.category].http_status


class NotFound(ApplicationError):
    category = ErrorCategory.NOT_FOUND


class ServerError(ApplicationError):
    category = ErrorCategory.INTERNAL


class ServiceUnavailable(ApplicationError):
    category = ErrorCategory.UNAVAILABLE


# DRF's own exceptions, by category; the status is the table's (a DRF exception not listed keeps
# DRF's status: none of this server's views raises one).
DRF_CATEGORIES: tuple[tuple[type[drf_exceptions.APIException], ErrorCategory], ...] = (
    (drf_exceptions.ValidationError, ErrorCategory.BAD_INPUT),
    (drf_exceptions.ParseError, ErrorCategory.BAD_INPUT),
    (drf_exceptions.NotAuthenticated, ErrorCategory.UNAUTHENTICATED),
    (drf_exceptions.AuthenticationFailed, ErrorCategory.UNAUTHENTICATED),
    (drf_exceptions.PermissionDenied, ErrorCategory.FORBIDDEN),
    (drf_exceptions.NotFound, ErrorCategory.NOT_FOUND),
    (drf_exceptions.MethodNotAllowed, ErrorCategory.NOT_ALLOWED),
    (drf_exceptions.UnsupportedMediaType, ErrorCategory.UNSUPPORTED_MEDIA),
    (drf_exceptions.Throttled, ErrorCategory.THROTTLED),
)


def drf_error_category(exc: Exception) -> ErrorCategory | None:
    return next((category for kind, category in DRF_CATEGORIES if isinstance(exc, kind)), None)


_AUTH_MESSAGES = {
    "not_authenticated": (
        "Authentication required: send the header 'Authorization: Api-Key isk_...' "
        "with a key from your profile."
    ),
}


def _flatten(detail: Any) -> dict[str, list[str]]:
    """DRF's ValidationError detail as {field: [messages]}."""
    if isinstance(detail, dict):
        return {
            str(field): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            for field, msgs in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def _validation_sentence(fields: dict[str, list[str]]) -> str:
    parts = []
    for field, messages in fields.items():
        text = " ".join(messages)
        parts.append(text if field == "non_field_errors" else f"{field}: {text}")
    return "Invalid request. " + " ".join(parts)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, UserFacingError):
        rule = ERROR_RULES[exc.category]
        logger.log(rule.log_level, "%s (%s): %s %s", type(exc).__name__, exc.category, exc.user_message,
                   exc.detail)
        status_code = exc.status_code if isinstance(exc, ApplicationError) else rule.http_status
        return Response(error_body(exc.user_message, details=getattr(exc, "details", None)), status=status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body(TOO_LARGE_MESSAGE), status=error_status(ErrorCategory.TOO_LARGE))
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(detail=exc.messages)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_default_handler(exc, context)
    if response is None:
        return None  # unhandled: ApiErrorMiddleware logs it and answers a JSON 500
    category = drf_error_category(exc)
    if category is not None:
        response.status_code = error_status(category)

    if isinstance(exc, drf_exceptions.ValidationError):
        fields = _flatten(exc.detail)
        response.data = error_body(_validation_sentence(fields), details=fields)
    elif isinstance(exc, drf_exceptions.MethodNotAllowed):
        view = context.get("view")
        allowed = ", ".join(m for m in getattr(view, "allowed_methods", []) if m != "OPTIONS")
        response.data = error_body(
            f"Method {context['request'].method} is not allowed here; use {allowed or 'another method'}."
        )
    elif isinstance(exc, (drf_exceptions.NotAuthenticated, drf_exceptions.AuthenticationFailed)):
        code = getattr(exc, "default_code", "")
        message = _AUTH_MESSAGES.get(code, str(exc.detail))
        response.data = error_body(message)
    elif isinstance(exc, drf_exceptions.Throttled):
        wait = max(1, int(exc.wait or 1))
        response["Retry-After"] = str(wait)
        response.data = error_body(
            f"Too many requests for this API key; retry in {wait} second{'s' if wait != 1 else ''} "
            "(see the Retry-After header). Nothing was charged."
        )
    elif isinstance(exc, drf_exceptions.UnsupportedMediaType):
        response.data = error_body(
            f"{exc.detail} Send JSON (Content-Type: application/json) or multipart/form-data."
        )
    else:
        detail = exc.detail if isinstance(exc, drf_exceptions.APIException) else str(exc)
        response.data = error_body(str(detail))
    return response
