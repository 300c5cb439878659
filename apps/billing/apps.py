from django.apps import AppConfig
from django.apps import apps as installed_apps


class BillingConfig(AppConfig):
    name = "apps.billing"
    label = "billing"
    verbose_name = "Billing: credit packages, Stripe payments and subscriptions"

    def ready(self) -> None:
        # Deleting an account (apps.membership, when installed) cancels its Stripe subscription.
        if installed_apps.is_installed("apps.membership"):
            from apps.membership.signals import account_deleted

            from .services import billing_account_deleted

            account_deleted.connect(billing_account_deleted, dispatch_uid="billing.account_deleted")
