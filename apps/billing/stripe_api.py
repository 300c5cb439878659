"""The one place the `stripe` library is configured: key, API base (ISAMURAI_STRIPE_API_BASE, a
loopback server in tests) and signature checks of webhook events."""
import json
from typing import Any

import stripe
from django.conf import settings


def stripe_enabled() -> bool:
    """Payments are on when a secret key is configured; without one the server runs on admin grants."""
    return bool(settings.ISAMURAI_STRIPE_SECRET_KEY)


def stripe_module():
    """The stripe library, configured from settings (read on every call, so settings can change)."""
    stripe.api_key = settings.ISAMURAI_STRIPE_SECRET_KEY
    stripe.api_base = settings.ISAMURAI_STRIPE_API_BASE.rstrip("/")
    stripe.max_network_retries = 2  # the library's own retries carry the same idempotency key
    return stripe


def stripe_event_verify(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event Stripe signed (Stripe-Signature: t=...,v1=HMAC-SHA256(secret, "t.payload"),
    within five minutes) as a plain dict; raises stripe.SignatureVerificationError or ValueError."""
    if not settings.ISAMURAI_STRIPE_WEBHOOK_SECRET:
        raise stripe.SignatureVerificationError("No webhook signing secret is configured.", signature)
    stripe.Webhook.construct_event(payload, signature, settings.ISAMURAI_STRIPE_WEBHOOK_SECRET)
    return json.loads(payload)
