"""Exceptions that services raise, and DRF's handler that turns every error into the contract's JSON."""
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from workers.errors import MediaError, ModelUnavailable, ProviderUnavailable
from workers.pipelines.context import PipelineError

from .errors import error_body

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A failure the user can act on; `message` is the one sentence they see."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND


class ServerError(ApplicationError):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR


class ServiceUnavailable(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


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
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.message, details=exc.details), status=exc.status_code)
    if isinstance(exc, ModelUnavailable):
        return Response(error_body(exc.user_message), status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, ProviderUnavailable):
        logger.error("accelerator unavailable: %s", exc)
        return Response(
            error_body("The server's GPU is not available right now; try again later."),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    if isinstance(exc, (MediaError, PipelineError)):
        return Response(error_body(exc.user_message), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("The request is too large; send a smaller file."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(detail=exc.messages)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_default_handler(exc, context)
    if response is None:
        return None  # unhandled: ApiErrorMiddleware logs it and answers a JSON 500

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
