"""Credits: an append-only ledger plus a cached balance that only the ledger service writes."""
from django.conf import settings
from django.db import models
from django.db.models import Q


class CreditAccount(models.Model):
    """The cached balance. Its row is the lock every credit movement of a user takes.

    It may be below zero only after a payment was taken back (a refund or a lost dispute of
    credits already spent); LedgerEntry's constraints keep every other movement from overdrawing."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="credit_account"
    )
    balance = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.balance}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ledger entries are append-only; post a correcting entry instead.")

    def delete(self):
        raise TypeError("Ledger entries are append-only; post a correcting entry instead.")


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        GRANT = "grant", "Grant"
        CHARGE = "charge", "Charge"
        REFUND = "refund", "Refund"
        ADJUSTMENT = "adjustment", "Adjustment"
        PURCHASE = "purchase", "Purchase"  # credits a payment bought (a package, a plan's month)
        REVERSAL = "reversal", "Reversal"  # a purchase taken back: refunded or disputed and lost

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="entries")
    delta = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    job_kind = models.CharField(max_length=32, blank=True)
    job_id = models.UUIDField(null=True, blank=True, db_index=True)
    note = models.CharField(max_length=255, blank=True)
    # The payment a purchase or reversal belongs to (e.g. Stripe's pi_..., in_..., ch_...).
    reference = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            # Only a reversal may take the balance below zero; what is added (a grant, a purchase)
            # may leave it below zero while it pays back a reversal.
            models.CheckConstraint(
                condition=Q(balance_after__gte=0) | Q(kind="reversal") | Q(delta__gt=0),
                name="ledger_only_reversal_overdraws",
            ),
            models.CheckConstraint(condition=~Q(delta=0), name="ledger_delta_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind="charge") | Q(delta__lt=0), name="ledger_charge_is_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["grant", "refund", "purchase"]) | Q(delta__gt=0),
                name="ledger_grant_refund_purchase_positive",
            ),
            models.CheckConstraint(condition=~Q(kind="reversal") | Q(delta__lt=0), name="ledger_reversal_is_negative"),
            models.CheckConstraint(
                condition=~Q(kind__in=["purchase", "reversal"]) | ~Q(reference=""),
                name="ledger_payment_has_reference",
            ),
            models.UniqueConstraint(
                fields=["reference"], condition=Q(kind="purchase"), name="ledger_one_purchase_per_reference"
            ),
            models.UniqueConstraint(
                fields=["job_id"], condition=Q(kind="refund"), name="ledger_one_refund_per_job"
            ),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Ledger entries are append-only; post a correcting entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are append-only; post a correcting entry instead.")

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d} -> {self.balance_after}"
