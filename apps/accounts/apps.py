from django.apps import AppConfig
from django.db.models.signals import pre_save


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts and API keys"

    def ready(self) -> None:
        from .services import user_default_plan_assign

        # Every way an account is made (create_api_user, the admin, sign-up) gets the default plan.
        pre_save.connect(user_default_plan_assign, sender=self.get_model("User"),
                         dispatch_uid="accounts.user_default_plan_assign")
