from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from apps.ledger.selectors import credit_balance_get
from apps.ledger.services import credits_adjust, credits_grant

from .models import ApiKey, Plan, User
from .services import api_key_create, api_key_revoke, plan_save


class PlanAdminForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = "__all__"

    def _get_validation_exclusions(self):
        # Ticking "default" is not an error: plan_save takes the flag from the previous default.
        return super()._get_validation_exclusions() | {"is_default"}


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    form = PlanAdminForm
    list_display = ("id", "name", "price_monthly", "currency", "monthly_credits", "max_video_seconds",
                    "max_quality", "max_image_pixels", "queue_priority", "retention_hours",
                    "visible_label_required", "is_default", "is_public")
    list_filter = ("is_default", "is_public", "visible_label_required")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "description", "is_default", "is_public")}),
        ("Price", {"fields": ("price_monthly", "currency", "monthly_credits", "stripe_price_id")}),
        ("Limits", {"fields": ("max_video_seconds", "max_quality", "max_image_pixels", "queue_priority",
                               "throttle_read", "throttle_charge", "retention_hours", "visible_label_required")}),
    )

    def save_model(self, request: HttpRequest, obj: Plan, form, change: bool) -> None:
        plan_save(plan=obj)  # one default: the previous default loses the flag


class CreditMovementForm(forms.Form):
    amount = forms.IntegerField(help_text="Positive grants credits; negative removes them (adjustment).")
    note = forms.CharField(max_length=255, required=False)

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("Enter a non-zero amount.")
        return amount


@admin.register(User)
class IsamuraiUserAdmin(UserAdmin):
    list_display = ("username", "email", "plan", "credits", "is_active", "is_staff", "date_joined")
    list_filter = ("plan", "is_active", "is_staff")
    fieldsets = UserAdmin.fieldsets + (("Plan", {"fields": ("plan",)}),)
    actions = ["grant_credits"]

    @admin.display(description="credits")
    def credits(self, obj: User) -> int:
        return credit_balance_get(user=obj)

    @admin.action(description="Grant or adjust credits (through the ledger)")
    def grant_credits(self, request: HttpRequest, queryset: QuerySet[User]):
        form = CreditMovementForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            amount, note = form.cleaned_data["amount"], form.cleaned_data["note"]
            note = note or f"admin {request.user.username}"
            failed = []
            for user in queryset:
                try:
                    if amount > 0:
                        credits_grant(user=user, amount=amount, note=note)
                    else:
                        credits_adjust(user=user, delta=amount, note=note)
                except Exception as exc:  # report per user, keep going
                    failed.append(f"{user.username}: {exc}")
            done = queryset.count() - len(failed)
            self.message_user(request, f"Posted {amount:+d} credits to {done} user(s).", messages.SUCCESS)
            for line in failed:
                self.message_user(request, line, messages.ERROR)
            return None
        return TemplateResponse(
            request,
            "admin/accounts/grant_credits.html",
            {**self.admin_site.each_context(request), "form": form, "users": queryset,
             "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "title": "Grant credits"},
        )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "prefix", "name")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke_keys"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created, full_key = api_key_create(user=obj.user, name=obj.name)
        obj.pk, obj.prefix, obj.hashed_key = created.pk, created.prefix, created.hashed_key
        obj._state.adding = False
        self.message_user(
            request,
            f"New API key for {obj.user}: {full_key} — copy it now, it is not shown again.",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)
