from django import template

from apps.jobs.kinds import ConsolePage, all_kinds
from apps.ledger.selectors import credit_balance_get

register = template.Library()


@register.simple_tag(takes_context=True)
def credit_balance(context) -> int:
    user = context["request"].user
    return credit_balance_get(user=user) if user.is_authenticated else 0


@register.simple_tag
def kind_pages() -> list[ConsolePage]:
    """Every registered kind's console pages, in INSTALLED_APPS order: the navigation and the
    jobs list's buttons are drawn from these."""
    return [page for spec in all_kinds() for page in spec.console]


@register.filter
def status_class(status: str) -> str:
    return f"status-{str(status).lower()}"
