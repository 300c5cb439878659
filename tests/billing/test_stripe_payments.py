"""Buying credits through Stripe Checkout (a loopback server answering as Stripe) and the webhook
events that move them: signed as Stripe signs them, each event handled once, refunds and lost
disputes taken back, subscriptions granting a plan and its monthly credits."""
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.billing.models import Payment, PaymentStatus, StripeEvent, Subscription
from apps.billing.services import billing_subscription_cancel, subscriptions_end_due
from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.ledger.services import InsufficientCredits, credits_charge

from .conftest import completed_session, post_event, stripe_event

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _buy(client: Client, fake, package) -> dict:
    """POST buy -> redirected to the Checkout URL the loopback Stripe made; returns that session."""
    response = client.post(f"/billing/checkout/package/{package.pk}/")
    assert response.status_code == 302, response.content
    session_id = response["Location"].rsplit("/", 1)[1]
    assert response["Location"] == f"{fake.url}/c/pay/{session_id}"
    return fake.objects[session_id]


def _balance(user) -> int:
    balance = credit_balance_get(user=user)
    assert balance == ledger_sum_get(user=user)
    return balance


def test_buy_a_package_through_checkout_credits_once_however_often_stripe_retries(stripe_on, make_user, package):
    user, _ = make_user()
    client = _signed_in(user)
    session = _buy(client, stripe_on, package)

    # What the stripe library sent: a Customer, then a Checkout Session for the package's price.
    (customer_call,) = stripe_on.calls("POST", "/v1/customers")
    assert customer_call.headers["Authorization"] == "Bearer sk_test_loopback"
    assert customer_call.params["metadata[user_id]"] == str(user.pk)
    (checkout,) = stripe_on.calls("POST", "/v1/checkout/sessions")
    params = checkout.params
    assert params["mode"] == "payment" and params["customer"] == session["customer"]
    assert params["line_items[0][price_data][unit_amount]"] == "999"
    assert params["line_items[0][price_data][currency]"] == "usd"
    assert params["success_url"].startswith("http://testserver/billing/checkout/done/")
    assert checkout.headers.get("Idempotency-Key")
    payment = Payment.objects.get(checkout_session_id=session["id"])
    assert payment.status == PaymentStatus.PENDING and _balance(user) == 0  # nothing before Stripe says paid

    event = stripe_event("checkout.session.completed", completed_session(session, payment_intent="pi_test_buy"))
    for _ in range(3):  # Stripe retries until it gets a 2xx, and may deliver twice anyway
        response = post_event(event)
        assert response.status_code == 200, response.content
    assert _balance(user) == 100
    (entry,) = LedgerEntry.objects.filter(account__user=user)
    assert entry.kind == "purchase" and entry.delta == 100 and entry.reference == "pi_test_buy"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.payment_intent_id == "pi_test_buy"
    assert StripeEvent.objects.filter(pk=event["id"]).count() == 1

    # Another event about the same session (a second delivery under a new id) credits nothing more.
    post_event(stripe_event("checkout.session.async_payment_succeeded",
                            completed_session(session, payment_intent="pi_test_buy")))
    assert _balance(user) == 100

    # The receipt and the CSV of the history name the payment's reference.
    receipts = client.get("/billing/receipts/").content.decode()
    assert "pi_test_buy" in receipts and "9.99 USD" in receipts
    assert "pi_test_buy" in client.get(f"/billing/receipts/{payment.pk}/").content.decode()
    stranger, _ = make_user()
    assert _signed_in(stranger).get(f"/billing/receipts/{payment.pk}/").status_code == 404
    csv_text = b"".join(client.get("/billing/usage.csv").streaming_content).decode()
    assert csv_text.splitlines()[0].startswith("created_at,kind,delta")
    assert ",purchase,100,100,,,pi_test_buy," in csv_text


def test_unpaid_checkout_grants_nothing_until_the_payment_succeeds(stripe_on, make_user, package):
    user, _ = make_user()
    session = _buy(_signed_in(user), stripe_on, package)
    delayed = {**completed_session(session), "payment_status": "unpaid"}
    assert post_event(stripe_event("checkout.session.completed", delayed)).status_code == 200
    assert _balance(user) == 0
    post_event(stripe_event("checkout.session.async_payment_succeeded", completed_session(session)))
    assert _balance(user) == 100


def test_a_bad_signature_or_an_old_timestamp_is_refused_and_changes_nothing(stripe_on, make_user, package):
    user, _ = make_user()
    session = _buy(_signed_in(user), stripe_on, package)
    event = stripe_event("checkout.session.completed", completed_session(session))

    wrong_secret = post_event(event, secret="whsec_someone_else")
    assert wrong_secret.status_code == 400 and wrong_secret.json()["success"] is False
    forged = post_event(event, signature=f"t={int(time.time())},v1={'0' * 64}")
    assert forged.status_code == 400
    unsigned = Client().post("/api/billing/stripe-webhook/", data="{}", content_type="application/json")
    assert unsigned.status_code == 400
    too_old = post_event(event, timestamp=int(time.time()) - 3600)  # signed right, but an hour ago (replay)
    assert too_old.status_code == 400 and "too old" in too_old.json()["error"]
    assert _balance(user) == 0 and not StripeEvent.objects.exists()

    assert post_event(event).status_code == 200  # the genuine delivery still counts
    assert _balance(user) == 100


def test_a_refund_takes_the_credits_back_and_a_negative_balance_blocks_jobs(stripe_on, make_user, package, api_client):
    user, key = make_user()
    session = _buy(_signed_in(user), stripe_on, package)
    post_event(stripe_event("checkout.session.completed", completed_session(session, payment_intent="pi_test_r")))
    credits_charge(user=user, amount=70, job_kind="faceswap", note="spent before the refund")
    assert _balance(user) == 30

    charge = {"id": "ch_test_r", "object": "charge", "payment_intent": "pi_test_r", "amount": 999,
              "amount_refunded": 500, "refunded": False, "receipt_url": "https://pay.stripe.com/receipts/x"}
    partial = stripe_event("charge.refunded", charge)
    post_event(partial)
    post_event(partial)  # retried: once
    assert _balance(user) == -20  # 100 x 500/999 = 50 credits taken back
    payment = Payment.objects.get(payment_intent_id="pi_test_r")
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED and payment.credits_reversed == 50
    assert payment.charge_id == "ch_test_r"

    post_event(stripe_event("charge.refunded", {**charge, "amount_refunded": 999, "refunded": True}))
    assert _balance(user) == -70
    reversals = LedgerEntry.objects.filter(account__user=user, kind="reversal")
    assert sorted(e.delta for e in reversals) == [-50, -50]
    assert {e.reference for e in reversals} == {"pi_test_r"}

    # Below zero: charges can't overdraw, and the API says why (403, the contract's message first).
    with pytest.raises(InsufficientCredits):
        credits_charge(user=user, amount=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    body = api_client.get("/api/user-credits/").json()
    assert body["credits"] == -70 and body["user_credits"] == -70


def test_a_lost_dispute_takes_the_credits_back_a_won_one_does_not(stripe_on, make_user, package):
    user, _ = make_user()
    session = _buy(_signed_in(user), stripe_on, package)
    post_event(stripe_event("checkout.session.completed", completed_session(session, payment_intent="pi_test_d")))
    dispute = {"id": "dp_test_1", "object": "dispute", "charge": "ch_test_d", "payment_intent": "pi_test_d",
               "amount": 999, "status": "won"}
    post_event(stripe_event("charge.dispute.closed", dispute))
    assert _balance(user) == 100
    post_event(stripe_event("charge.dispute.closed", {**dispute, "status": "lost"}))
    assert _balance(user) == 0
    assert Payment.objects.get(payment_intent_id="pi_test_d").status == PaymentStatus.DISPUTE_LOST


def _invoice(*, subscription_id: str, user, plan, invoice_id: str, period_end: int) -> dict:
    """invoice.paid as API versions since 2025-03 shape it (the subscription under `parent`)."""
    return {"id": invoice_id, "object": "invoice", "customer": "cus_x", "amount_paid": 1900, "currency": "usd",
            "status": "paid", "hosted_invoice_url": f"https://invoice.stripe.com/i/{invoice_id}",
            "parent": {"type": "subscription_details", "subscription_details": {
                "subscription": subscription_id, "metadata": {"user_id": str(user.pk), "plan_id": str(plan.pk)}}},
            "lines": {"object": "list", "data": [{"id": "il_1", "period": {"start": period_end - 30 * 86400,
                                                                            "end": period_end}}]},
            "payments": {"object": "list", "data": [{"payment": {"type": "payment_intent",
                                                                 "payment_intent": f"pi_{invoice_id}"}}]}}


def test_a_plan_subscription_grants_the_plan_and_its_monthly_credits(stripe_on, make_user, plans):
    free, pro = plans
    user, _ = make_user()
    user.refresh_from_db()
    assert user.plan == free  # the default plan of new accounts
    client = _signed_in(user)
    response = client.post(f"/billing/checkout/plan/{pro.pk}/")
    assert response.status_code == 302 and response["Location"].startswith(stripe_on.url)
    (checkout,) = stripe_on.calls("POST", "/v1/checkout/sessions")
    assert checkout.params["mode"] == "subscription"
    assert checkout.params["line_items[0][price_data][recurring][interval]"] == "month"
    assert checkout.params["line_items[0][price_data][unit_amount]"] == "1900"
    assert checkout.params["subscription_data[metadata][plan_id]"] == str(pro.pk)

    period_end = int(time.time()) + 30 * 86400
    paid = stripe_event("invoice.paid", _invoice(subscription_id="sub_test_1", user=user, plan=pro,
                                                 invoice_id="in_test_1", period_end=period_end))
    post_event(paid)
    post_event(paid)
    user.refresh_from_db()
    assert user.plan == pro and _balance(user) == 500
    subscription = Subscription.objects.get(stripe_subscription_id="sub_test_1")
    assert int(subscription.current_period_end.timestamp()) == period_end
    payment = Payment.objects.get(invoice_id="in_test_1")
    assert payment.kind == "subscription" and payment.payment_intent_id == "pi_in_test_1"
    profile = client.get("/profile/").content.decode()
    assert "renews on " + subscription.current_period_end.strftime("%Y-%m-%d") in profile

    # The next month: another invoice, another 500 credits.
    post_event(stripe_event("invoice.paid", _invoice(subscription_id="sub_test_1", user=user, plan=pro,
                                                     invoice_id="in_test_2", period_end=period_end + 30 * 86400)))
    assert _balance(user) == 1000

    # Cancelled in the portal: the plan stays until the paid period ends, then the default plan.
    deleted = {"id": "sub_test_1", "object": "subscription", "status": "canceled",
               "items": {"data": [{"current_period_end": period_end + 30 * 86400}]}}
    post_event(stripe_event("customer.subscription.deleted", deleted))
    user.refresh_from_db()
    assert user.plan == pro
    assert subscriptions_end_due() == 0
    Subscription.objects.filter(pk=subscription.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert subscriptions_end_due() == 1
    user.refresh_from_db()
    assert user.plan == free and _balance(user) == 1000  # credits bought stay


def test_a_subscription_ended_at_once_drops_to_the_default_plan_at_once(stripe_on, make_user, plans):
    free, pro = plans
    user, _ = make_user()
    post_event(stripe_event("invoice.paid", _invoice(subscription_id="sub_test_2", user=user, plan=pro,
                                                     invoice_id="in_test_3", period_end=int(time.time()) + 99)))
    user.refresh_from_db()
    assert user.plan == pro
    post_event(stripe_event("customer.subscription.deleted", {
        "id": "sub_test_2", "object": "subscription", "status": "canceled",
        "current_period_end": int(time.time()) - 5}))
    user.refresh_from_db()
    assert user.plan == free


def test_the_customer_portal_and_cancelling_a_subscription_call_stripe(stripe_on, make_user, plans):
    _, pro = plans
    user, _ = make_user()
    client = _signed_in(user)
    response = client.post("/billing/portal/")
    assert response.status_code == 302 and response["Location"].startswith(f"{stripe_on.url}/p/session/")
    (portal,) = stripe_on.calls("POST", "/v1/billing_portal/sessions")
    assert portal.params["customer"].startswith("cus_") and portal.params["return_url"].endswith("/profile/")
    client.post("/billing/portal/")
    assert len(stripe_on.calls("POST", "/v1/customers")) == 1  # one Customer per user

    post_event(stripe_event("invoice.paid", _invoice(subscription_id="sub_test_3", user=user, plan=pro,
                                                     invoice_id="in_test_4", period_end=int(time.time()) + 999)))
    assert billing_subscription_cancel(user=user) == 1
    assert [r.method for r in stripe_on.requests if r.path == "/v1/subscriptions/sub_test_3"] == ["DELETE"]


def test_without_stripe_keys_the_server_runs_on_admin_grants(settings, make_user, package):
    settings.ISAMURAI_STRIPE_SECRET_KEY = ""
    user, _ = make_user()
    client = _signed_in(user)
    page = client.get("/pricing/").content.decode()
    assert "does not take payments" in page and "Grant or adjust credits" in page
    assert 'class="primary small js-buy"' not in page
    response = client.post(f"/billing/checkout/package/{package.pk}/", follow=True)
    assert "Payments are not enabled" in response.content.decode()
    assert not Payment.objects.exists()
    refused = post_event(stripe_event("checkout.session.completed", {"id": "cs_x"}))
    assert refused.status_code == 404 and not StripeEvent.objects.exists()


def test_the_pricing_page_is_public_and_lists_plans_and_packages(stripe_on, plans, package):
    page = Client().get("/pricing/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Pro" in text and "19.00 USD" in text and "Starter" in text and "9.99 USD" in text
    assert "Sign in to buy" in text


def test_deleting_an_account_cancels_its_subscription_at_stripe(stripe_on, make_user, plans):
    from django.apps import apps

    from apps.billing.models import StripeCustomer
    from apps.billing.services import billing_account_deleted

    _, pro = plans
    user, _ = make_user()
    _signed_in(user).post("/billing/portal/")  # makes the Stripe Customer
    post_event(stripe_event("invoice.paid", _invoice(subscription_id="sub_test_del", user=user, plan=pro,
                                                     invoice_id="in_test_del", period_end=int(time.time()) + 999)))
    if apps.is_installed("apps.membership"):  # the account deletion itself sends account_deleted
        from apps.membership.services import account_delete

        account_delete(user=user)
    else:
        billing_account_deleted(sender=type(user), user=user)
    assert [r.method for r in stripe_on.requests if r.path == "/v1/subscriptions/sub_test_del"] == ["DELETE"]
    assert Subscription.objects.get(stripe_subscription_id="sub_test_del").ended
    assert not StripeCustomer.objects.filter(user=user).exists()
    assert Payment.objects.filter(invoice_id="in_test_del").exists()  # the books keep the payment


def test_older_api_versions_shapes_are_understood_too(stripe_on, make_user, plans):
    """Before 2025-03 an invoice named its subscription and PaymentIntent at the top level; the
    subscription's Checkout Session may also arrive before its first invoice."""
    _, pro = plans
    user, _ = make_user()
    client = _signed_in(user)
    client.post(f"/billing/checkout/plan/{pro.pk}/")
    assert len(stripe_on.calls("POST", "/v1/checkout/sessions")) == 1
    session_id = next(key for key in stripe_on.objects if key.startswith("cs_"))
    session = {**stripe_on.objects[session_id], "status": "complete", "payment_status": "paid",
               "subscription": "sub_test_old"}
    post_event(stripe_event("checkout.session.completed", session))
    assert Subscription.objects.get(stripe_subscription_id="sub_test_old").user == user
    assert _balance(user) == 0  # a subscription's credits come with its paid invoice
    old_invoice = {"id": "in_test_old", "object": "invoice", "subscription": "sub_test_old", "customer": "cus_x",
                   "payment_intent": "pi_test_old", "charge": "ch_test_old", "amount_paid": 1900, "currency": "usd",
                   "period_end": int(time.time()),
                   "lines": {"data": [{"period": {"end": int(time.time()) + 30 * 86400}}]}}
    post_event(stripe_event("invoice.paid", old_invoice))
    user.refresh_from_db()
    assert user.plan == pro and _balance(user) == 500
    # Refunded by charge id: the month's credits go back.
    post_event(stripe_event("charge.refunded", {"id": "ch_test_old", "amount": 1900, "amount_refunded": 1900,
                                                "refunded": True}))
    assert _balance(user) == 0
    assert LedgerEntry.objects.get(account__user=user, kind="reversal").reference == "in_test_old"
    # A second subscription while this one lives is refused (409), nothing opened at Stripe.
    again = client.post(f"/billing/checkout/plan/{pro.pk}/", follow=True)
    assert "already have a subscription" in again.content.decode()
    assert len(stripe_on.calls("POST", "/v1/checkout/sessions")) == 1


def test_an_abandoned_checkout_expires_and_is_no_receipt(stripe_on, make_user, package):
    user, _ = make_user()
    client = _signed_in(user)
    session = _buy(client, stripe_on, package)
    post_event(stripe_event("checkout.session.expired", {**session, "status": "expired"}))
    assert Payment.objects.get(checkout_session_id=session["id"]).status == PaymentStatus.EXPIRED
    post_event(stripe_event("checkout.session.completed", completed_session(session)))  # too late: nothing
    assert _balance(user) == 0
    assert "No payments yet" in client.get("/billing/receipts/").content.decode()


def test_stripe_unreachable_is_said_and_leaves_nothing(stripe_on, settings, make_user, package):
    import socket

    with socket.socket() as closed:  # a loopback port nobody listens on
        closed.bind(("127.0.0.1", 0))
        settings.ISAMURAI_STRIPE_API_BASE = f"http://127.0.0.1:{closed.getsockname()[1]}"
    user, _ = make_user()
    response = _signed_in(user).post(f"/billing/checkout/package/{package.pk}/", follow=True)
    assert "The payment provider could not be reached" in response.content.decode()
    assert not Payment.objects.exists() and _balance(user) == 0


def test_the_plans_api_lists_plans_and_packages_without_a_key(settings, plans, package):
    settings.ISAMURAI_STRIPE_SECRET_KEY = ""
    body = Client().get("/api/plans/").json()
    assert body["success"] is True and body["payments_enabled"] is False
    assert [plan["name"] for plan in body["plans"]] == ["Free", "Pro"]
    assert body["plans"][0]["max_quality"] == "720p" and body["plans"][0]["is_default"] is True
    assert body["plans"][1]["price_monthly"] == "19.00" and body["plans"][1]["monthly_credits"] == 500
    assert body["packages"] == [{"id": package.pk, "name": "Starter", "credits": 100, "price": "9.99",
                                 "currency": "usd"}]
