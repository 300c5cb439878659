"""How allauth fits this server: sign-up modes, invites, operator-made accounts.

ISAMURAI_SIGNUP decides who may sign up; in invite mode the code is taken in the same
transaction that saves the user. Accounts the operator made (admin, create_api_user) have no
email address rows, so allauth's mandatory verification would lock them out: they skip it."""
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm
from allauth.account.models import EmailAddress
from allauth.account.stages import EmailVerificationStage
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect

from workers.choices import SignupMode

from .services import InviteUnusable, signup_credits_grant, signup_record_create

EMAIL_VERIFICATION_STAGE = "allauth.account.stages.EmailVerificationStage"


class OperatorAccountAwareEmailVerificationStage(EmailVerificationStage):
    def handle(self):
        if self.login.user is not None and not EmailAddress.objects.filter(user_id=self.login.user.pk).exists():
            return None, True  # made by the operator, who vouches for it
        return super().handle()


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.ISAMURAI_SIGNUP in (SignupMode.OPEN, SignupMode.INVITE)

    def get_login_stages(self) -> list[str]:
        stage = f"{__name__}.{OperatorAccountAwareEmailVerificationStage.__name__}"
        return [stage if path == EMAIL_VERIFICATION_STAGE else path for path in super().get_login_stages()]

    def save_user(self, request, user, form, commit: bool = True):
        if not isinstance(form, SignupForm):  # an identity provider's sign-up form: see below
            return super().save_user(request, user, form, commit=commit)
        try:
            with transaction.atomic():
                user = super().save_user(request, user, form, commit=True)
                signup_record_create(user=user, invite_code=form.cleaned_data.get("invite_code", ""))
        except InviteUnusable as exc:  # taken by someone else since the form was checked
            messages.error(request, exc.user_message)
            raise ImmediateHttpResponse(redirect("account_signup")) from exc
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Configuring a company identity provider is the operator letting its directory in.
        return bool(settings.ISAMURAI_OIDC_SERVER_URL)

    def save_user(self, request, sociallogin, form=None):
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            signup_record_create(user=user, invite_code=None)
            # An address the provider vouches for arrives verified, without allauth's email_confirmed.
            signup_credits_grant(user=user)
        return user
