from django.contrib import admin

from .models import CreditPackage, Payment, StripeCustomer, StripeEvent, Subscription


@admin.register(CreditPackage)
class CreditPackageAdmin(admin.ModelAdmin):
    list_display = ("name", "credits", "price", "currency", "active", "created_at")
    list_filter = ("active", "currency")
    search_fields = ("name",)


class StripeRecordAdmin(admin.ModelAdmin):
    """What Stripe reported is a record: it changes through webhook events only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(StripeRecordAdmin):
    list_display = ("created_at", "user", "kind", "description", "credits", "credits_reversed", "amount", "currency",
                    "status", "payment_intent_id", "invoice_id")
    list_filter = ("kind", "status", "currency")
    search_fields = ("user__username", "user__email", "checkout_session_id", "invoice_id", "payment_intent_id",
                     "charge_id")


@admin.register(Subscription)
class SubscriptionAdmin(StripeRecordAdmin):
    list_display = ("stripe_subscription_id", "user", "plan", "status", "current_period_end", "cancel_at_period_end",
                    "ends_at", "ended")
    list_filter = ("status", "ended", "plan")
    search_fields = ("user__username", "stripe_subscription_id")


@admin.register(StripeCustomer)
class StripeCustomerAdmin(StripeRecordAdmin):
    list_display = ("customer_id", "user", "created_at")
    search_fields = ("customer_id", "user__username", "user__email")


@admin.register(StripeEvent)
class StripeEventAdmin(StripeRecordAdmin):
    list_display = ("id", "type", "livemode", "received_at")
    list_filter = ("type", "livemode")
    search_fields = ("id",)
