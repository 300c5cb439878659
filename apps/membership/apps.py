from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "apps.membership"
    label = "membership"
    verbose_name = "Sign-up, invites and account lifecycle"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from . import receivers

        email_confirmed.connect(receivers.signup_credits_on_email_confirmed, dispatch_uid="membership-signup-credits")
