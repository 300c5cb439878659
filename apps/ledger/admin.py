from django.contrib import admin

from .models import CreditAccount, LedgerEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Credits move only through the ledger service (see the user admin's grant action)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdmin):
    list_display = ("user", "balance", "updated_at")
    search_fields = ("user__username",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "account", "kind", "delta", "balance_after", "job_kind", "job_id", "note")
    list_filter = ("kind", "job_kind")
    search_fields = ("account__user__username", "job_id", "note")
