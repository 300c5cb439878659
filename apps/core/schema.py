"""OpenAPI pieces shared by every endpoint: the Api-Key scheme and the error body."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


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
ERROR_CODES = (400, 401, 403, 404, 405, 409, 413, 500, 503)


def with_errors(success: dict, *, codes: tuple[int, ...] = ERROR_CODES) -> dict:
    """A responses mapping: the given successes plus every error the API may answer."""
    return {**success, **{code: ERROR for code in codes}}


class NamespacedAutoSchema(AutoSchema):
    """Views keep their serializers as nested `InputSerializer`/`OutputSerializer` classes; name
    their components after the view (e.g. `StopJobInputRequest`) so they don't collide."""

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        qualname = getattr(serializer, "__class__", type(serializer)).__qualname__
        if "." in qualname:
            outer = qualname.split(".")[0].removesuffix("Api")
            if not name.startswith(outer):
                name = outer + name
        return name
