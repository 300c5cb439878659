"""The only writer of credits. Each movement locks the user's balance row, writes one entry
and the new cached balance in one transaction, so balance == sum(entries) always holds.

Nothing takes the balance below zero except a reversal (a payment refunded or disputed after its
credits were spent): that debt blocks new jobs until purchases or grants pay it back."""
import uuid

from django.contrib.auth.base_user import AbstractBaseUser as User  # AUTH_USER_MODEL; ledger sits below accounts
from django.db import IntegrityError, transaction

from apps.core.exceptions import ApplicationError
from workers.errors import ErrorCategory

from .models import CreditAccount, LedgerEntry


class InsufficientCredits(ApplicationError):
    category = ErrorCategory.FORBIDDEN

    def __init__(self, *, need: int, have: int) -> None:
        message = f"Insufficient credits: need {need}, have {have}"
        if have < 0:  # a debt from a payment taken back, not just an empty balance
            message += (". The balance is below zero because a payment was refunded or disputed; new jobs "
                        "are refused until it is positive again (buy credits at /pricing/ or ask the operator)")
        super().__init__(message)
        self.need = need
        self.have = have


def _account_lock(*, user: User) -> CreditAccount:
    CreditAccount.objects.get_or_create(user=user)
    return CreditAccount.objects.select_for_update().get(user=user)


def _post(
    *,
    user: User,
    delta: int,
    kind: str,
    job_kind: str = "",
    job_id: uuid.UUID | None = None,
    note: str = "",
    reference: str = "",
) -> LedgerEntry:
    with transaction.atomic():
        account = _account_lock(user=user)
        new_balance = account.balance + delta
        if new_balance < 0 and delta < 0 and kind != LedgerEntry.Kind.REVERSAL:
            raise InsufficientCredits(need=-delta, have=account.balance)
        account.balance = new_balance
        account.save(update_fields=["balance", "updated_at"])
        return LedgerEntry.objects.create(
            account=account,
            delta=delta,
            balance_after=new_balance,
            kind=kind,
            job_kind=job_kind,
            job_id=job_id,
            note=note[:255],
            reference=reference,
        )


def _positive(amount: int) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError(f"credit amounts are positive integers, got {amount!r}")
    return amount


def credits_grant(*, user: User, amount: int, note: str = "") -> LedgerEntry:
    return _post(user=user, delta=_positive(amount), kind=LedgerEntry.Kind.GRANT, note=note)


def credits_charge(
    *, user: User, amount: int, job_kind: str = "", job_id: uuid.UUID | None = None, note: str = ""
) -> LedgerEntry:
    """Take `amount` credits or raise InsufficientCredits (403, the contract's message)."""
    return _post(
        user=user,
        delta=-_positive(amount),
        kind=LedgerEntry.Kind.CHARGE,
        job_kind=job_kind,
        job_id=job_id,
        note=note,
    )


def credits_refund(
    *, user: User, amount: int, job_kind: str, job_id: uuid.UUID, note: str = ""
) -> LedgerEntry | None:
    """Refund a job once. Returns None when the job was already refunded (or amount is 0)."""
    if amount == 0:
        return None
    try:
        with transaction.atomic():
            return _post(
                user=user,
                delta=_positive(amount),
                kind=LedgerEntry.Kind.REFUND,
                job_kind=job_kind,
                job_id=job_id,
                note=note,
            )
    except IntegrityError:
        if LedgerEntry.objects.filter(job_id=job_id, kind=LedgerEntry.Kind.REFUND).exists():
            return None
        raise


def credits_adjust(*, user: User, delta: int, note: str) -> LedgerEntry:
    """An operator's correction, either sign; never takes the balance below zero."""
    if delta == 0:
        raise ValueError("an adjustment must change the balance")
    return _post(user=user, delta=delta, kind=LedgerEntry.Kind.ADJUSTMENT, note=note)


def credits_purchase(*, user: User, amount: int, reference: str, note: str = "") -> LedgerEntry | None:
    """Credits a payment bought, once per payment `reference`: None when that payment was
    already credited (a unique index, so racing deliveries of one event credit it once)."""
    if not reference:
        raise ValueError("a purchase needs the payment's reference")
    try:
        with transaction.atomic():
            return _post(user=user, delta=_positive(amount), kind=LedgerEntry.Kind.PURCHASE, note=note,
                         reference=reference)
    except IntegrityError:
        if LedgerEntry.objects.filter(reference=reference, kind=LedgerEntry.Kind.PURCHASE).exists():
            return None
        raise


def credits_reverse(*, user: User, amount: int, reference: str, note: str = "") -> LedgerEntry:
    """Take back credits of a refunded or lost-dispute payment; the balance may go below zero."""
    if not reference:
        raise ValueError("a reversal needs the payment's reference")
    return _post(user=user, delta=-_positive(amount), kind=LedgerEntry.Kind.REVERSAL, note=note, reference=reference)
