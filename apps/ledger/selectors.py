from django.contrib.auth.base_user import AbstractBaseUser as User  # AUTH_USER_MODEL; ledger sits below accounts
from django.db.models import QuerySet, Sum

from .models import CreditAccount, LedgerEntry


def credit_balance_get(*, user: User) -> int:
    account = CreditAccount.objects.filter(user=user).only("balance").first()
    return account.balance if account else 0


def ledger_sum_get(*, user: User) -> int:
    return LedgerEntry.objects.filter(account__user=user).aggregate(total=Sum("delta"))["total"] or 0


def ledger_entries_list(*, user: User) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(account__user=user)

