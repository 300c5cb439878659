from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .keys import key_generate
from .models import ApiKey, Plan, User
from .selectors import plan_default_get


def plan_get_or_create(*, name: str) -> Plan:
    plan, _ = Plan.objects.get_or_create(name=name)
    return plan


def plan_save(*, plan: Plan) -> Plan:
    """Save a plan; making it the default takes the flag from the previous default in the same
    transaction (the partial unique index allows one)."""
    with transaction.atomic():
        if plan.is_default:
            Plan.objects.filter(is_default=True).exclude(pk=plan.pk).update(is_default=False)
        plan.full_clean()
        plan.save()
    return plan


def user_default_plan_assign(sender, instance: User, **kwargs) -> None:
    """pre_save of User: a new account without a plan gets the default plan, if there is one."""
    if instance._state.adding and instance.plan_id is None and not kwargs.get("raw"):
        instance.plan = plan_default_get()


def user_get_or_create(*, username: str, plan_name: str | None = None) -> tuple[User, bool]:
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
        if plan_name is not None:
            user.plan = plan_get_or_create(name=plan_name)
        user.save()
    return user, created


def api_key_create(*, user: User, name: str = "") -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key, which is never retrievable again."""
    generated = key_generate()
    api_key = ApiKey.objects.create(
        user=user, name=name, prefix=generated.prefix, hashed_key=generated.hashed_key
    )
    return api_key, generated.full_key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record use, at most once per ISAMURAI_KEY_TOUCH_SECONDS so reads stay reads."""
    now = timezone.now()
    interval = timedelta(seconds=settings.ISAMURAI_KEY_TOUCH_SECONDS)
    if api_key.last_used_at is not None and now - api_key.last_used_at < interval:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


def user_plan_set(*, user: User, plan: Plan | None) -> User:
    """Move a user to `plan` (None: the default plan)."""
    user.plan = plan if plan is not None else plan_default_get()
    User.objects.filter(pk=user.pk).update(plan=user.plan)
    return user
