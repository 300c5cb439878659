import csv
import io
import uuid
from collections.abc import Iterator

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.core.exceptions import NotFound
from apps.ledger.selectors import ledger_entries_list

from .models import CreditPackage, Payment, PaymentStatus, Subscription


def packages_for_sale_list() -> QuerySet[CreditPackage]:
    return CreditPackage.objects.filter(active=True)


def subscription_current_get(*, user: User) -> Subscription | None:
    """The user's subscription that still holds a plan (live, or cancelled until its period ends)."""
    return Subscription.objects.filter(user=user, ended=False).select_related("plan").first()


def payments_list_for_user(*, user: User) -> QuerySet[Payment]:
    """Receipts: payments that went through (a Checkout opened and left is not one)."""
    return Payment.objects.filter(user=user).exclude(status__in=(PaymentStatus.PENDING, PaymentStatus.EXPIRED))


def payment_get_for_user(*, user: User, payment_id: uuid.UUID) -> Payment:
    payment = payments_list_for_user(user=user).filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(f"No payment with id {payment_id} was found for this account.")
    return payment


USAGE_CSV_COLUMNS = ("created_at", "kind", "delta", "balance_after", "job_kind", "job_id", "reference", "note")


def usage_csv_lines(*, user: User) -> Iterator[str]:
    """The user's ledger as CSV lines, oldest first, a header line first (streamed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(USAGE_CSV_COLUMNS)
    for entry in ledger_entries_list(user=user).order_by("created_at", "id").iterator(chunk_size=500):
        yield line([entry.created_at.isoformat(), entry.kind, entry.delta, entry.balance_after, entry.job_kind,
                    entry.job_id or "", entry.reference, _csv_safe(entry.note)])


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet won't run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
