"""DRF authentication for `Authorization: Api-Key isk_...`, resolving to the key's user."""
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import User
from .selectors import api_key_get_unrevoked
from .services import api_key_touch

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, object] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").strip()
        if not header:
            return None  # let session auth try; with neither, DRF answers 401
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            raise exceptions.AuthenticationFailed(
                "Unsupported Authorization scheme; send 'Authorization: Api-Key isk_...'."
            )
        credential = credential.strip()
        if not credential or " " in credential:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header; send 'Authorization: Api-Key isk_...'."
            )
        api_key = api_key_get_unrevoked(full_key=credential)
        if api_key is None:
            raise exceptions.AuthenticationFailed(
                "Invalid API key: it is malformed, unknown or revoked. Create a new key in your profile."
            )
        if not api_key.user.is_active:
            raise exceptions.PermissionDenied(
                "This account is suspended: the operator has stopped its API keys and jobs. "
                "Contact the server's operator."
            )
        api_key_touch(api_key=api_key)
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        # A WWW-Authenticate value makes DRF answer 401 rather than 403.
        return KEYWORD
