"""OpenAPI pieces shared by every endpoint: the Api-Key scheme, the error body, and which error
statuses each operation lists: derived from what the operation is (authenticated, throttled,
takes a body) and the categories its handler declares (``raises``), each mapped to its status
by the one error table (apps.core.errors)."""
from collections.abc import Callable
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from workers.errors import ErrorCategory

from .errors import error_status


class ApiKeySchemeExtension(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Send `Authorization: Api-Key isk_...` (create keys in the console or admin).",
        }


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="One sentence: what is wrong and how to fix it.")
    success = serializers.BooleanField(default=False)
    details = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


ERROR = OpenApiResponse(ErrorSerializer, description="The contract's JSON error body.")
# Any operation may answer these: a malformed request, an unknown id, another method, a crash.
ALWAYS = (ErrorCategory.BAD_INPUT, ErrorCategory.NOT_FOUND, ErrorCategory.NOT_ALLOWED, ErrorCategory.INTERNAL)
WITH_BODY = (ErrorCategory.TOO_LARGE, ErrorCategory.UNSUPPORTED_MEDIA)  # the middleware's cap, the parsers
AUTHENTICATED = (ErrorCategory.UNAUTHENTICATED, ErrorCategory.FORBIDDEN)


def raises(*categories: ErrorCategory) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declares on a view's handler (get, post, ...) the error categories it may raise beyond the
    ones every operation of its shape may (e.g. UNAVAILABLE where a fast worker or model is needed);
    the schema lists their statuses. Stacks with other decorators that declare theirs."""

    def mark(handler: Callable[..., Any]) -> Callable[..., Any]:
        handler.error_categories = (*getattr(handler, "error_categories", ()), *categories)
        return handler

    return mark


def operation_error_categories(*, view: Any, method: str) -> set[ErrorCategory]:
    categories = set(ALWAYS)
    handler = getattr(view, method.lower(), None)
    categories.update(getattr(handler, "error_categories", ()))
    if method.upper() in ("POST", "PUT", "PATCH"):
        categories.update(WITH_BODY)
    permissions = getattr(view, "permission_classes", ())
    if not all(permission is AllowAny for permission in permissions) or not permissions:
        categories.update(AUTHENTICATED)
    if getattr(view, "authentication_classes", ()):
        # Where no key is needed, one that is sent is still checked (a bad key: 401, a suspended
        # account's: 403) and its requests counted (429).
        categories.update(AUTHENTICATED)
        if getattr(view, "throttle_classes", ()):
            categories.add(ErrorCategory.THROTTLED)
    return categories


def with_errors(success: dict, *, codes: tuple[int, ...] = ()) -> dict:
    """A responses mapping: the given successes plus ``codes``; the schema adds every other error
    status the operation can answer (NamespacedAutoSchema)."""
    return {**success, **{code: ERROR for code in codes}}


class NamespacedAutoSchema(AutoSchema):
    """Views keep their serializers as nested `InputSerializer`/`OutputSerializer` classes; name
    their components after the view (e.g. `StopJobInputRequest`) so they don't collide. Every
    operation lists each error status it can answer (operation_error_categories)."""

    def _get_response_bodies(self, direction: str = "response") -> dict:
        # drf-spectacular's hook that also sees @extend_schema's responses.
        responses = super()._get_response_bodies(direction)
        categories = operation_error_categories(view=self.view, method=self.method)
        for status in sorted({str(error_status(category)) for category in categories}):
            if status not in responses:
                responses[status] = self._get_response_for_code(ERROR, status, None, direction)
        return responses

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        qualname = getattr(serializer, "__class__", type(serializer)).__qualname__
        if "." in qualname:
            outer = qualname.split(".")[0].removesuffix("Api")
            if not name.startswith(outer):
                name = outer + name
        return name
