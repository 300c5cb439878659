"""{% billing_profile_section %}: the plan, renewal, buy-credits, receipts and usage block of the
profile page, kept in this app's templates so the profile page only includes it."""
from django import template

from apps.accounts.selectors import plan_for_user_get
from apps.ledger.selectors import credit_balance_get

from ..models import Payment
from ..money import money_format
from ..selectors import packages_for_sale_list, payments_list_for_user, subscription_current_get
from ..stripe_api import stripe_enabled

register = template.Library()
RECENT_PAYMENTS = 5


@register.inclusion_tag("billing/_profile_billing.html", takes_context=True)
def billing_profile_section(context) -> dict:
    user = context["request"].user
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "plan": plan_for_user_get(user=user),
        "subscription": subscription_current_get(user=user),
        "balance": credit_balance_get(user=user),
        "packages": packages_for_sale_list(),
        "payments": payments_list_for_user(user=user)[:RECENT_PAYMENTS],
        "payments_enabled": stripe_enabled(),
    }


@register.filter
def payment_amount(payment: Payment) -> str:
    return money_format(minor=payment.amount, currency=payment.currency)


@register.filter
def payment_refunded(payment: Payment) -> str:
    return money_format(minor=payment.amount_refunded, currency=payment.currency)
