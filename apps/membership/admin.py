"""Invites, and the account lifecycle on the user list: newest sign-ups first, one-click suspend,
download a user's data, delete an account. The User admin of apps.accounts is extended here
(subclassed and registered again) so that app keeps no knowledge of sign-ups."""
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from apps.accounts.admin import IsamuraiUserAdmin
from apps.accounts.models import User

from .models import Invite, Suspension
from .services import account_delete, account_suspend, account_unsuspend
from .views import account_data_response


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("code", "note", "created_at", "expires_at", "used_by", "used_at")
    list_filter = (("used_at", admin.EmptyFieldListFilter),)
    search_fields = ("code", "note", "used_by__email")
    readonly_fields = ("code", "created_by", "created_at", "used_by", "used_at", "signup_link")
    fields = ("code", "signup_link", "note", "expires_at", "created_by", "created_at", "used_by", "used_at")

    @admin.display(description="sign-up link")
    def signup_link(self, obj: Invite) -> str:
        return f"/accounts/signup/?invite={obj.code}" if obj.pk else "(after saving)"

    def save_model(self, request: HttpRequest, obj: Invite, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    list_display = ("user", "reason", "suspended_at", "suspended_by")
    readonly_fields = ("user", "suspended_at", "suspended_by")


class AccountOriginFilter(admin.SimpleListFilter):
    title = "account"
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return [("signed_up", "Signed up themselves"), ("operator", "Made by the operator"),
                ("suspended", "Suspended")]

    def queryset(self, request, queryset):
        if self.value() == "signed_up":
            return queryset.filter(signup_record__isnull=False)
        if self.value() == "operator":
            return queryset.filter(signup_record__isnull=True)
        if self.value() == "suspended":
            return queryset.filter(suspension__isnull=False)
        return queryset


admin.site.unregister(User)


@admin.register(User)
class MembershipUserAdmin(IsamuraiUserAdmin):
    list_display = (*IsamuraiUserAdmin.list_display, "suspended")
    ordering = ("-date_joined",)
    list_filter = (AccountOriginFilter, *IsamuraiUserAdmin.list_filter)
    date_hierarchy = "date_joined"
    actions = [*IsamuraiUserAdmin.actions, "suspend_accounts", "unsuspend_accounts", "download_data",
               "delete_accounts"]

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Removing the row would take the ledger with it (it is protected): "Delete accounts"
        # removes the person and keeps the books.
        return False

    @admin.display(boolean=True, description="suspended")
    def suspended(self, obj: User) -> bool:
        return hasattr(obj, "suspension")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).select_related("suspension", "plan")

    @admin.action(description="Suspend (keys refused, jobs stopped and refunded)")
    def suspend_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        stopped = 0
        for user in queryset.exclude(pk=request.user.pk):
            stopped += account_suspend(user=user, by=request.user, reason=f"admin {request.user.username}")
        self.message_user(request, f"Suspended {queryset.exclude(pk=request.user.pk).count()} account(s); "
                                   f"stopped {stopped} job(s).", messages.SUCCESS)

    @admin.action(description="Lift the suspension")
    def unsuspend_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            account_unsuspend(user=user)
        self.message_user(request, f"Lifted {queryset.count()} suspension(s).", messages.SUCCESS)

    @admin.action(description="Download the user's data (zip)")
    def download_data(self, request: HttpRequest, queryset: QuerySet[User]):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one user to download their data.", messages.ERROR)
            return None
        return account_data_response(user=queryset.get())

    @admin.action(description="Delete accounts (files and personal data; the ledger is kept)")
    def delete_accounts(self, request: HttpRequest, queryset: QuerySet[User]):
        targets = queryset.exclude(pk=request.user.pk)
        if "apply" in request.POST:
            count = 0
            for user in targets:
                account_delete(user=user)
                count += 1
            self.message_user(request, f"Deleted {count} account(s).", messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/membership/delete_accounts.html", {
            **self.admin_site.each_context(request), "users": targets, "title": "Delete accounts",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })
