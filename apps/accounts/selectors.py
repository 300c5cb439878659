from .keys import key_matches, key_prefix
from .models import ApiKey


def api_key_get_active(*, full_key: str) -> ApiKey | None:
    """The live key matching `full_key`, or None (malformed, unknown or revoked)."""
    prefix = key_prefix(full_key)
    if prefix is None:
        return None
    api_key = ApiKey.objects.select_related("user", "user__plan").filter(prefix=prefix).first()
    if api_key is None or not key_matches(full_key, api_key.hashed_key):
        return None
    if api_key.is_revoked or not api_key.user.is_active:
        return None
    return api_key
