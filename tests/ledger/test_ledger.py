"""The ledger: exact money. Balance == sum of entries, never negative, one refund per job."""
import threading
import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.ledger.services import (
    InsufficientCredits,
    credits_adjust,
    credits_charge,
    credits_grant,
    credits_refund,
)

from ..conftest import is_postgres


def _assert_consistent(user) -> None:
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) >= 0


@pytest.mark.django_db
def test_charge_refund_and_sum(make_user):
    user, _ = make_user(credits=100)
    job = uuid.uuid4()
    credits_charge(user=user, amount=30, job_kind="faceswap", job_id=job)
    assert credits_refund(user=user, amount=15, job_kind="faceswap", job_id=job) is not None
    assert credit_balance_get(user=user) == 85
    _assert_consistent(user)


@pytest.mark.django_db
def test_insufficient_credits_message_and_nothing_written(make_user):
    user, _ = make_user(credits=5)
    before = LedgerEntry.objects.count()
    with pytest.raises(InsufficientCredits) as err:
        credits_charge(user=user, amount=10)
    assert err.value.message == "Insufficient credits: need 10, have 5"
    assert LedgerEntry.objects.count() == before
    _assert_consistent(user)


@pytest.mark.django_db
def test_one_refund_per_job(make_user):
    user, _ = make_user(credits=50)
    job = uuid.uuid4()
    credits_charge(user=user, amount=20, job_id=job)
    assert credits_refund(user=user, amount=10, job_kind="faceswap", job_id=job) is not None
    assert credits_refund(user=user, amount=10, job_kind="faceswap", job_id=job) is None
    assert credit_balance_get(user=user) == 40
    _assert_consistent(user)


@pytest.mark.django_db
def test_entries_are_append_only(make_user):
    user, _ = make_user(credits=5)
    entry = LedgerEntry.objects.get(account__user=user)
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(delta=500)


@pytest.mark.django_db
def test_database_refuses_a_movement_that_overdraws_unless_it_is_a_reversal(make_user):
    """Only a payment taken back (a reversal) may leave a balance below zero (ledger 0002)."""
    user, _ = make_user(credits=5)
    account = user.credit_account
    for kind in ("charge", "adjustment"):
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(account=account, delta=-6, balance_after=-1, kind=kind)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(account=account, delta=-6, balance_after=-1, kind="reversal")  # no reference
    LedgerEntry.objects.create(account=account, delta=-6, balance_after=-1, kind="reversal", reference="pi_1")


@pytest.mark.django_db
def test_adjustment_cannot_go_below_zero(make_user):
    user, _ = make_user(credits=5)
    credits_adjust(user=user, delta=-5, note="correction")
    with pytest.raises(InsufficientCredits):
        credits_adjust(user=user, delta=-1, note="too far")
    credits_grant(user=user, amount=3)
    assert credit_balance_get(user=user) == 3
    _assert_consistent(user)


@pytest.mark.django_db(transaction=True)
def test_concurrent_charges_cannot_overspend(make_user):
    if not is_postgres():
        pytest.skip("row locks (select_for_update) need PostgreSQL; set DATABASE_URL")
    user, _ = make_user(credits=95)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def charge() -> None:
        try:
            barrier.wait()
            credits_charge(user=user, amount=10, job_kind="faceswap", job_id=uuid.uuid4())
            result = "ok"
        except InsufficientCredits as exc:
            result = exc.message
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=charge) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 9
    assert sorted(set(outcomes) - {"ok"}) == ["Insufficient credits: need 10, have 5"]
    assert credit_balance_get(user=user) == 5
    assert LedgerEntry.objects.filter(account__user=user, kind="charge").count() == 9
    _assert_consistent(user)
