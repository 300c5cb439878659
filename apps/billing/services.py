"""Payments through Stripe: Checkout for packages and plans, the Customer Portal, and the webhook
events that move credits. Every movement goes through the ledger with the payment's reference,
in the same transaction that records the event id as handled (so a retried event does nothing).

Event objects are read with .get() on both shapes Stripe has used: an invoice names its
subscription at `subscription` (older API versions) or at `parent.subscription_details`."""
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Plan, User
from apps.accounts.services import user_plan_set
from apps.core.exceptions import ApplicationError, ServiceUnavailable
from apps.ledger.services import credits_purchase, credits_reverse
from workers.errors import ErrorCategory

from .models import CreditPackage, Payment, PaymentStatus, StripeCustomer, StripeEvent, Subscription
from .money import money_to_minor
from .stripe_api import stripe_enabled, stripe_module

logger = logging.getLogger(__name__)

# Subscriptions in these states hold their plan.
LIVE_SUBSCRIPTION_STATUSES = ("active", "trialing", "past_due")


def _require_stripe() -> None:
    if not stripe_enabled():
        raise ServiceUnavailable("Payments are not enabled on this server; credits are granted by its operator.")


def _stripe_call(call, *args: Any, **kwargs: Any) -> Any:
    """A Stripe API call; its failure is a 503 saying so (nothing was bought)."""
    stripe = stripe_module()
    try:
        return call(*args, **kwargs)
    except stripe.StripeError as exc:
        logger.warning("stripe: %s failed: %s", getattr(call, "__qualname__", call), exc)
        raise ServiceUnavailable("The payment provider could not be reached or refused the request; nothing was "
                                 "charged. Try again in a minute.") from exc


def stripe_customer_get_or_create(*, user: User) -> str:
    """The user's Stripe Customer id, created once (customers.create) so Checkout and the Portal share it."""
    existing = StripeCustomer.objects.filter(user=user).first()
    if existing is not None:
        return existing.customer_id
    stripe = stripe_module()
    # The key names this deployment too: two servers on one Stripe account must not share customers.
    customer = _stripe_call(stripe.Customer.create, email=user.email or None, name=user.get_username(),
                            metadata={"user_id": str(user.pk)},
                            idempotency_key=f"isamurai-{settings.ISAMURAI_SERVER_ID}-customer-{user.pk}")
    try:
        with transaction.atomic():
            StripeCustomer.objects.create(user=user, customer_id=customer["id"])
    except IntegrityError:  # a racing request made it first
        return StripeCustomer.objects.get(user=user).customer_id
    return customer["id"]


def checkout_package_start(*, user: User, package_id: int, success_url: str, cancel_url: str) -> str:
    """Open a Checkout Session (mode=payment) for a package; returns its URL. The credits come
    with checkout.session.completed, not here."""
    _require_stripe()
    package = CreditPackage.objects.filter(pk=package_id, active=True).first()
    if package is None:
        raise ApplicationError(f"No credit package {package_id} is for sale; pick one on the pricing page.")
    customer_id = stripe_customer_get_or_create(user=user)
    payment = Payment.objects.create(
        user=user, kind=Payment.Kind.PACKAGE, package=package, credits=package.credits,
        amount=money_to_minor(amount=package.price, currency=package.currency), currency=package.currency.lower(),
        description=f"{package.name}: {package.credits} credits",
    )
    metadata = {"payment_id": str(payment.id), "user_id": str(user.pk), "package_id": str(package.pk)}
    stripe = stripe_module()
    try:
        session = _stripe_call(
            stripe.checkout.Session.create,
            mode="payment", customer=customer_id, client_reference_id=str(user.pk), metadata=metadata,
            payment_intent_data={"metadata": metadata},
            line_items=[{"quantity": 1, "price_data": {
                "currency": payment.currency, "unit_amount": payment.amount,
                "product_data": {"name": payment.description}}}],
            success_url=success_url, cancel_url=cancel_url, idempotency_key=f"isamurai-checkout-{payment.id}",
        )
    except ServiceUnavailable:
        payment.delete()  # no Checkout was opened: nothing to remember
        raise
    Payment.objects.filter(pk=payment.pk).update(checkout_session_id=session["id"])
    return session["url"]


def checkout_plan_start(*, user: User, plan_id: int, success_url: str, cancel_url: str) -> str:
    """Open a Checkout Session (mode=subscription) for a paid plan; returns its URL. The plan and
    its monthly credits come with invoice.paid."""
    _require_stripe()
    plan = Plan.objects.filter(pk=plan_id, is_public=True, price_monthly__gt=0).first()
    if plan is None:
        raise ApplicationError(f"No paid plan {plan_id} can be subscribed to; pick one on the pricing page.")
    live = Subscription.objects.filter(user=user, ended=False, status__in=LIVE_SUBSCRIPTION_STATUSES).first()
    if live is not None:
        raise ApplicationError("You already have a subscription; change or cancel it in the billing portal.",
                               category=ErrorCategory.CONFLICT)
    customer_id = stripe_customer_get_or_create(user=user)
    if plan.stripe_price_id:
        line_item: dict[str, Any] = {"quantity": 1, "price": plan.stripe_price_id}
    else:
        line_item = {"quantity": 1, "price_data": {
            "currency": plan.currency.lower(), "unit_amount": money_to_minor(amount=plan.price_monthly,
                                                                             currency=plan.currency),
            "recurring": {"interval": "month"}, "product_data": {"name": f"{plan.name} plan"}}}
    metadata = {"user_id": str(user.pk), "plan_id": str(plan.pk)}
    stripe = stripe_module()
    session = _stripe_call(
        stripe.checkout.Session.create,
        mode="subscription", customer=customer_id, client_reference_id=str(user.pk), metadata=metadata,
        subscription_data={"metadata": metadata}, line_items=[line_item],
        success_url=success_url, cancel_url=cancel_url,
    )
    return session["url"]


def billing_portal_start(*, user: User, return_url: str) -> str:
    """A Customer Portal session (cards, invoices, cancelling); returns its URL."""
    _require_stripe()
    customer_id = stripe_customer_get_or_create(user=user)
    stripe = stripe_module()
    session = _stripe_call(stripe.billing_portal.Session.create, customer=customer_id, return_url=return_url)
    return session["url"]


def billing_subscription_cancel(*, user: User) -> int:
    """Cancel the user's live Stripe subscriptions at once (their account is going); returns how
    many. Without Stripe configured it only marks them ended."""
    cancelled = 0
    for subscription in Subscription.objects.filter(user=user, ended=False):
        if stripe_enabled() and subscription.status != "canceled":
            _stripe_call(stripe_module().Subscription.cancel, subscription.stripe_subscription_id)
        Subscription.objects.filter(pk=subscription.pk).update(status="canceled", ended=True, ends_at=timezone.now())
        cancelled += 1
    return cancelled


def billing_account_deleted(sender, user: User, **kwargs) -> None:
    """Receiver of apps.membership's account_deleted (inside the deletion's transaction): the
    subscription is cancelled at Stripe and the link to the Stripe Customer forgotten. Payments
    stay for the books (they hold no personal data beyond the anonymised user)."""
    billing_subscription_cancel(user=user)
    StripeCustomer.objects.filter(user=user).delete()


# --- webhook events -------------------------------------------------------------------------------

def stripe_event_process(*, event: dict[str, Any]) -> bool:
    """Handle a verified Stripe event once. Returns False when its id was handled before (a retry).
    The event id and the ledger movements it causes commit together, or not at all (then Stripe
    retries, as the webhook answers 500)."""
    handler = EVENT_HANDLERS.get(event.get("type", ""))
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(id=event["id"], type=event.get("type", "")[:64],
                                           livemode=bool(event.get("livemode")))
        except IntegrityError:
            return False
        if handler is not None:
            handler(event["data"]["object"])
    return True


def _checkout_session_completed(session: dict[str, Any]) -> None:
    if session.get("mode") == "subscription":
        _subscription_from_checkout(session)
        return
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return  # a delayed method (bank debit): checkout.session.async_payment_succeeded brings it
    metadata = session.get("metadata") or {}
    payment = Payment.objects.select_for_update().filter(checkout_session_id=session["id"]).first()
    if payment is None and _uuid(metadata.get("payment_id")) is not None:
        payment = Payment.objects.select_for_update().filter(pk=_uuid(metadata["payment_id"])).first()
    if payment is None:
        logger.warning("stripe: checkout session %s matches no payment of this server; ignored", session["id"])
        return
    if payment.status != PaymentStatus.PENDING:
        return
    payment.status = PaymentStatus.PAID
    payment.paid_at = timezone.now()
    payment.checkout_session_id = session["id"]
    payment.payment_intent_id = _id(session.get("payment_intent")) or ""
    if session.get("amount_total") is not None:
        payment.amount = session["amount_total"]
    payment.currency = (session.get("currency") or payment.currency).lower()
    payment.save()
    if payment.user is not None:
        credits_purchase(user=payment.user, amount=payment.credits, reference=payment.reference,
                         note=f"bought {payment.description} (Stripe {payment.reference})")


def _subscription_from_checkout(session: dict[str, Any]) -> None:
    subscription_id = _id(session.get("subscription"))
    metadata = session.get("metadata") or {}
    if not subscription_id:
        return
    _subscription_upsert(subscription_id=subscription_id, metadata=metadata,
                         fallback_user_id=session.get("client_reference_id"))


def _subscription_upsert(*, subscription_id: str, metadata: dict[str, Any],
                         fallback_user_id: str | None = None, customer_id: str | None = None) -> Subscription | None:
    subscription = Subscription.objects.select_for_update().filter(stripe_subscription_id=subscription_id).first()
    if subscription is not None:
        return subscription
    user = _user_from(metadata.get("user_id") or fallback_user_id, customer_id=customer_id)
    plan = Plan.objects.filter(pk=_int(metadata.get("plan_id"))).first()
    if user is None:
        logger.warning("stripe: subscription %s names no user of this server; ignored", subscription_id)
        return None
    return Subscription.objects.create(user=user, plan=plan, stripe_subscription_id=subscription_id, status="active")


def _invoice_paid(invoice: dict[str, Any]) -> None:
    """A plan's month is paid: its credits, the plan, the renewal date."""
    subscription_id, metadata = _invoice_subscription(invoice)
    if not subscription_id:
        return  # a one-off invoice; Checkout payments come as checkout.session.completed
    subscription = _subscription_upsert(subscription_id=subscription_id, metadata=metadata,
                                        customer_id=_id(invoice.get("customer")))
    if subscription is None or subscription.user is None:
        return
    # A plan changed in the portal shows as another Price on the invoice (plans with a stripe_price_id).
    plan = _plan_from_invoice(invoice) or subscription.plan
    if plan is None:
        logger.warning("stripe: invoice %s of subscription %s names no plan; ignored", invoice["id"], subscription_id)
        return
    period_end = _invoice_period_end(invoice)
    Subscription.objects.filter(pk=subscription.pk).update(
        plan=plan, status="active", current_period_end=period_end, ended=False, ends_at=None)
    user_plan_set(user=subscription.user, plan=plan)
    payment, created = Payment.objects.get_or_create(invoice_id=invoice["id"], defaults={
        "user": subscription.user, "kind": Payment.Kind.SUBSCRIPTION, "plan": plan,
        "description": f"{plan.name} plan, one month", "credits": plan.monthly_credits,
        "amount": invoice.get("amount_paid") or 0, "currency": (invoice.get("currency") or plan.currency).lower(),
        "status": PaymentStatus.PAID, "paid_at": timezone.now(),
        "payment_intent_id": _invoice_payment_intent(invoice), "charge_id": _id(invoice.get("charge")) or "",
        "receipt_url": invoice.get("hosted_invoice_url") or "",
    })
    if created and plan.monthly_credits > 0:
        credits_purchase(user=subscription.user, amount=plan.monthly_credits, reference=payment.reference,
                         note=f"{plan.name} plan: monthly credits (Stripe {payment.reference})")


def _charge_refunded(charge: dict[str, Any]) -> None:
    """Take back the share of the credits that was refunded (all of them on a full refund)."""
    payment = _payment_for_charge(charge)
    if payment is None:
        return
    amount = charge.get("amount") or payment.amount
    refunded = charge.get("amount_refunded") or 0
    if charge.get("refunded") or (amount and refunded >= amount):
        due = payment.credits
    else:
        due = payment.credits * refunded // amount if amount else 0
    payment.amount_refunded = max(payment.amount_refunded, refunded)
    payment.status = PaymentStatus.REFUNDED if due >= payment.credits else PaymentStatus.PARTIALLY_REFUNDED
    _reverse_up_to(payment, due=due, why="refunded")


def _dispute_closed(dispute: dict[str, Any]) -> None:
    if dispute.get("status") != "lost":
        return  # won or warning_closed: the money stayed, so do the credits
    payment = _payment_for_charge({"id": _id(dispute.get("charge")), "payment_intent": dispute.get("payment_intent")})
    if payment is None:
        return
    payment.status = PaymentStatus.DISPUTE_LOST
    _reverse_up_to(payment, due=payment.credits, why="disputed and lost")


def _reverse_up_to(payment: Payment, *, due: int, why: str) -> None:
    """Reverse credits until `due` of the payment's credits are taken back (never twice)."""
    take = min(due, payment.credits) - payment.credits_reversed
    if take > 0:
        payment.credits_reversed += take
        if payment.user is not None:
            credits_reverse(user=payment.user, amount=take, reference=payment.reference,
                            note=f"payment {why}: {payment.description} (Stripe {payment.reference})")
    payment.save()


def _subscription_updated(subscription: dict[str, Any]) -> None:
    row = Subscription.objects.filter(stripe_subscription_id=subscription["id"]).first()
    if row is None:
        return
    period_end = _subscription_period_end(subscription)
    Subscription.objects.filter(pk=row.pk).update(
        status=subscription.get("status") or row.status, current_period_end=period_end or row.current_period_end,
        cancel_at_period_end=bool(subscription.get("cancel_at_period_end")))


def _subscription_deleted(subscription: dict[str, Any]) -> None:
    """Cancelled: the plan stays until the period paid for ends, then the default plan."""
    row = Subscription.objects.select_for_update().filter(stripe_subscription_id=subscription["id"]).first()
    if row is None:
        return
    period_end = _subscription_period_end(subscription) or row.current_period_end or timezone.now()
    row.status = "canceled"
    row.ends_at = period_end
    row.save(update_fields=["status", "ends_at", "updated_at"])
    if period_end <= timezone.now():
        subscription_end(subscription=row)


def subscription_end(*, subscription: Subscription) -> None:
    """The cancelled subscription's period is over: its user drops to the default plan (unless a
    newer subscription gave them another)."""
    with transaction.atomic():
        row = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if row.ended:
            return
        row.ended = True
        row.save(update_fields=["ended", "updated_at"])
        user = row.user
        if user is None:
            return
        newer_live = Subscription.objects.filter(user=user, ended=False, status__in=LIVE_SUBSCRIPTION_STATUSES) \
            .exclude(pk=row.pk).exists()
        if not newer_live and user.plan_id == row.plan_id:
            user_plan_set(user=user, plan=None)


def subscriptions_end_due() -> int:
    """The periodic sweep: end every cancelled subscription whose period is over."""
    due = Subscription.objects.filter(ended=False, status="canceled", ends_at__lte=timezone.now())
    count = 0
    for subscription in due:
        subscription_end(subscription=subscription)
        count += 1
    return count


def _checkout_session_expired(session: dict[str, Any]) -> None:
    """Checkout left unpaid for 24 h: the pending payment is marked so (it never was a receipt)."""
    Payment.objects.filter(checkout_session_id=session["id"], status=PaymentStatus.PENDING) \
        .update(status=PaymentStatus.EXPIRED)


EVENT_HANDLERS = {
    "checkout.session.completed": _checkout_session_completed,
    "checkout.session.expired": _checkout_session_expired,
    "checkout.session.async_payment_succeeded": _checkout_session_completed,
    "invoice.paid": _invoice_paid,
    "charge.refunded": _charge_refunded,
    "charge.dispute.closed": _dispute_closed,
    "customer.subscription.updated": _subscription_updated,
    "customer.subscription.deleted": _subscription_deleted,
}


# --- reading Stripe objects -----------------------------------------------------------------------

def _id(value: Any) -> str | None:
    """An id field, expanded (an object) or not (a string)."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _user_from(user_id: Any, *, customer_id: str | None = None) -> User | None:
    user = User.objects.filter(pk=_int(user_id)).first() if _int(user_id) is not None else None
    if user is None and customer_id:
        customer = StripeCustomer.objects.select_related("user").filter(customer_id=customer_id).first()
        user = customer.user if customer else None
    return user


def _invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    details = (invoice.get("parent") or {}).get("subscription_details") or invoice.get("subscription_details") or {}
    subscription_id = _id(details.get("subscription")) or _id(invoice.get("subscription"))
    return subscription_id, details.get("metadata") or {}


def _invoice_lines(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    return (invoice.get("lines") or {}).get("data") or []


def _invoice_period_end(invoice: dict[str, Any]) -> datetime | None:
    ends = [line.get("period", {}).get("end") for line in _invoice_lines(invoice)]
    return _timestamp(max((end for end in ends if end), default=None) or invoice.get("period_end"))


def _plan_from_invoice(invoice: dict[str, Any]) -> Plan | None:
    for line in _invoice_lines(invoice):
        price = line.get("price") or (line.get("pricing") or {}).get("price_details") or {}
        price_id = _id(price.get("price")) if "price" in price else _id(price)
        if price_id:
            plan = Plan.objects.filter(stripe_price_id=price_id).first()
            if plan is not None:
                return plan
    return None


def _invoice_payment_intent(invoice: dict[str, Any]) -> str:
    if invoice.get("payment_intent"):
        return _id(invoice["payment_intent"]) or ""
    for item in (invoice.get("payments") or {}).get("data") or []:
        intent = _id((item.get("payment") or {}).get("payment_intent"))
        if intent:
            return intent
    return ""


def _subscription_period_end(subscription: dict[str, Any]) -> datetime | None:
    if subscription.get("current_period_end"):
        return _timestamp(subscription["current_period_end"])
    items = (subscription.get("items") or {}).get("data") or []
    ends = [item.get("current_period_end") for item in items if item.get("current_period_end")]
    return _timestamp(max(ends)) if ends else None


def _payment_for_charge(charge: dict[str, Any]) -> Payment | None:
    """The payment a charge (or a dispute's charge) belongs to: by charge, PaymentIntent or invoice id."""
    lookups = [("charge_id", _id(charge.get("id"))), ("payment_intent_id", _id(charge.get("payment_intent"))),
               ("invoice_id", _id(charge.get("invoice")))]
    for field, value in lookups:
        if value:
            payment = Payment.objects.select_for_update().filter(**{field: value}).first()
            if payment is not None:
                if not payment.charge_id and charge.get("id"):
                    payment.charge_id = _id(charge["id"])
                if charge.get("receipt_url") and not payment.receipt_url:
                    payment.receipt_url = charge["receipt_url"]
                return payment
    logger.warning("stripe: charge %s matches no payment of this server; ignored", charge.get("id"))
    return None
