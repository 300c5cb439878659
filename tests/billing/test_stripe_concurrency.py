"""Stripe may deliver one event to several web processes at once: the event id's primary key,
inserted in the transaction of the ledger movement, lets exactly one of them credit it."""
import threading

import pytest
from django.db import connection
from django.test import Client

from apps.billing.models import StripeEvent
from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.conftest import is_postgres

from .conftest import completed_session, post_event, stripe_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_event_delivered_concurrently_is_credited_once(stripe_on, make_user, package):
    if not is_postgres():
        pytest.skip("concurrent transactions need PostgreSQL; set DATABASE_URL")
    user, _ = make_user()
    client = Client()
    client.force_login(user)
    session_id = client.post(f"/billing/checkout/package/{package.pk}/")["Location"].rsplit("/", 1)[1]
    event = stripe_event("checkout.session.completed", completed_session(stripe_on.objects[session_id],
                                                                         payment_intent="pi_race"))
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def deliver() -> None:
        try:
            barrier.wait()
            statuses.append(post_event(event).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100
    assert LedgerEntry.objects.filter(reference="pi_race").count() == 1
    assert StripeEvent.objects.filter(pk=event["id"]).count() == 1
