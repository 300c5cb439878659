"""The ledger's payment movements: a purchase once per payment reference, a reversal that may
take the balance below zero, and charges that still cannot overdraw."""
import pytest

from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.ledger.services import (
    InsufficientCredits,
    credits_adjust,
    credits_charge,
    credits_grant,
    credits_purchase,
    credits_reverse,
)

pytestmark = pytest.mark.django_db


def test_a_purchase_is_credited_once_per_reference(make_user):
    user, _ = make_user()
    assert credits_purchase(user=user, amount=100, reference="pi_once").delta == 100
    assert credits_purchase(user=user, amount=100, reference="pi_once") is None
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100
    with pytest.raises(ValueError):
        credits_purchase(user=user, amount=100, reference="")


def test_a_reversal_may_overdraw_and_blocks_charges_until_paid_back(make_user):
    user, _ = make_user()
    credits_purchase(user=user, amount=100, reference="pi_spent")
    credits_charge(user=user, amount=80)
    entry = credits_reverse(user=user, amount=100, reference="pi_spent", note="refunded")
    assert entry.balance_after == -80 and entry.kind == LedgerEntry.Kind.REVERSAL
    with pytest.raises(InsufficientCredits) as refused:
        credits_charge(user=user, amount=1)
    assert refused.value.user_message.startswith("Insufficient credits: need 1, have -80")
    assert "below zero" in refused.value.user_message
    with pytest.raises(InsufficientCredits):
        credits_adjust(user=user, delta=-1, note="no further")
    credits_grant(user=user, amount=50, note="paying back")  # a grant may leave it below zero
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == -30
    credits_grant(user=user, amount=31)
    credits_charge(user=user, amount=1)
    assert credit_balance_get(user=user) == 0
