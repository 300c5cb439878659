"""Billing fixtures: the loopback Stripe, the settings that point the stripe library at it, and
events posted to the webhook endpoint signed exactly as Stripe signs them."""
import json
from decimal import Decimal

import pytest
from django.test import Client

from .fake_stripe import FakeStripeServer, stripe_event, stripe_signature

WEBHOOK_SECRET = "whsec_test_loopback_0123456789abcdef"
WEBHOOK_PATH = "/api/billing/stripe-webhook/"


@pytest.fixture
def fake_stripe():
    with FakeStripeServer() as fake:
        yield fake


@pytest.fixture
def stripe_on(settings, fake_stripe):
    settings.ISAMURAI_STRIPE_SECRET_KEY = "sk_test_loopback"
    settings.ISAMURAI_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ISAMURAI_STRIPE_API_BASE = fake_stripe.url
    return fake_stripe


def post_event(event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None,
               signature: str | None = None):
    """POST an event to the webhook as Stripe does: the JSON body and its Stripe-Signature."""
    payload = json.dumps(event)
    header = signature or stripe_signature(payload=payload, secret=secret, timestamp=timestamp)
    return Client().post(WEBHOOK_PATH, data=payload, content_type="application/json; charset=utf-8",
                         HTTP_STRIPE_SIGNATURE=header)


@pytest.fixture
def package(db):
    from apps.billing.models import CreditPackage

    return CreditPackage.objects.create(name="Starter", credits=100, price=Decimal("9.99"), currency="usd")


@pytest.fixture
def plans(db):
    from apps.accounts.models import Plan
    from apps.accounts.services import plan_save

    free = plan_save(plan=Plan(name="Free", is_default=True, max_video_seconds=30, max_quality="720p"))
    pro = plan_save(plan=Plan(name="Pro", price_monthly=Decimal("19.00"), currency="usd", monthly_credits=500))
    return free, pro


def completed_session(session: dict, *, payment_intent: str = "pi_test_1") -> dict:
    """The Checkout Session as checkout.session.completed carries it after a card payment."""
    return {**session, "status": "complete", "payment_status": "paid", "payment_intent": payment_intent}


__all__ = ["post_event", "stripe_event", "completed_session"]
