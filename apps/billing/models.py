"""Billing: what can be bought (credit packages; plans live in apps.accounts), the payments
Stripe reported, the subscriptions, and the Stripe events already handled (each one once)."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.accounts.models import Plan


class CreditPackage(models.Model):
    """Credits for a one-off payment through Stripe Checkout."""

    name = models.CharField(max_length=64)
    credits = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="usd", help_text="ISO 4217 code, e.g. usd or eur.")
    active = models.BooleanField(default=True, help_text="Listed on the pricing page and for sale.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["price", "credits"]
        constraints = [
            models.CheckConstraint(condition=Q(credits__gt=0), name="credit_package_credits_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="credit_package_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.credits} credits, {self.price} {self.currency.upper()})"


class StripeCustomer(models.Model):
    """The Stripe Customer of a user: Checkout and the Customer Portal work on it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer")
    customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.customer_id} ({self.user})"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # Checkout opened, not paid (yet)
    EXPIRED = "expired", "Expired"  # Checkout left unpaid
    PAID = "paid", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    DISPUTE_LOST = "dispute_lost", "Dispute lost"


class Payment(models.Model):
    """One payment: a package bought through Checkout, or a plan's monthly invoice. The books keep
    it when the account goes (user set to NULL)."""

    class Kind(models.TextChoices):
        PACKAGE = "package", "Credit package"
        SUBSCRIPTION = "subscription", "Plan subscription"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="payments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    package = models.ForeignKey(CreditPackage, null=True, blank=True, on_delete=models.SET_NULL)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL)
    description = models.CharField(max_length=255)
    credits = models.PositiveIntegerField()
    credits_reversed = models.PositiveIntegerField(default=0)
    # In the currency's smallest unit (cents), as Stripe counts.
    amount = models.PositiveBigIntegerField()
    amount_refunded = models.PositiveBigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    checkout_session_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    invoice_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    receipt_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(credits_reversed__lte=models.F("credits")),
                                   name="payment_reverses_at_most_its_credits"),
        ]

    @property
    def reference(self) -> str:
        """What its ledger entries carry: the invoice, else the PaymentIntent, else the session."""
        return self.invoice_id or self.payment_intent_id or self.checkout_session_id or str(self.id)

    def __str__(self) -> str:
        return f"{self.description} ({self.get_status_display()})"


class Subscription(models.Model):
    """A user's Stripe subscription to a plan."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="subscriptions")
    plan = models.ForeignKey(Plan, null=True, on_delete=models.SET_NULL, related_name="subscriptions")
    stripe_subscription_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=32, default="incomplete")  # Stripe's: active, past_due, canceled, ...
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # Cancelled: the user keeps the plan until then, then drops to the default plan.
    ends_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ended = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.stripe_subscription_id} ({self.plan}, {self.status})"


class StripeEvent(models.Model):
    """A Stripe event already handled: its id is the primary key, inserted in the same transaction
    as the ledger movement it caused, so a retried delivery changes nothing."""

    id = models.CharField(max_length=255, primary_key=True)
    type = models.CharField(max_length=64)
    livemode = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"
