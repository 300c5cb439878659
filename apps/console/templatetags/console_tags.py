from django import template

from apps.ledger.selectors import credit_balance_get

register = template.Library()


@register.simple_tag(takes_context=True)
def credit_balance(context) -> int:
    user = context["request"].user
    return credit_balance_get(user=user) if user.is_authenticated else 0


@register.filter
def status_class(status: str) -> str:
    return f"status-{str(status).lower()}"
