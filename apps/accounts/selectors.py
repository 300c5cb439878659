from django.db.models import QuerySet

from .keys import KEY_SCHEME, PREFIX_LENGTH, key_matches, key_prefix
from .models import ApiKey, Plan, User


def api_key_get_unrevoked(*, full_key: str) -> ApiKey | None:
    """The unrevoked key matching `full_key`, or None (malformed, unknown or revoked). Its user
    may be suspended (inactive): authentication answers that with a 403 of its own."""
    prefix = key_prefix(full_key)
    if prefix is None:
        return None
    api_key = ApiKey.objects.select_related("user", "user__plan").filter(prefix=prefix).first()
    if api_key is None or not key_matches(full_key, api_key.hashed_key) or api_key.is_revoked:
        return None
    return api_key


def api_key_get_by_prefix(*, prefix: str) -> ApiKey | None:
    """The key (live or revoked) whose lookup prefix is `prefix`; also accepts `isk_<prefix>...`
    or the full key, as an operator may paste either."""
    lookup = prefix.strip().removeprefix(KEY_SCHEME)[:PREFIX_LENGTH]
    if len(lookup) != PREFIX_LENGTH:
        return None
    return ApiKey.objects.select_related("user").filter(prefix=lookup).first()


def plan_default_get() -> Plan | None:
    """The plan new accounts get (at most one: a partial unique index)."""
    return Plan.objects.filter(is_default=True).first()


def plan_for_user_get(*, user: User) -> Plan | None:
    """The plan whose limits apply to `user`: theirs, else the default plan, else none."""
    if user.plan_id is not None:
        return user.plan
    return plan_default_get()


def plans_public_list() -> QuerySet[Plan]:
    return Plan.objects.filter(is_public=True)
