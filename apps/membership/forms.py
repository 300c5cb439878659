"""Sign-up's extra field (the invite code) and the delete-my-account confirmation.

SignupExtraForm is allauth's ACCOUNT_SIGNUP_FORM_CLASS: allauth's sign-up forms inherit from it,
so this module must not import allauth's forms (they import it)."""
from django import forms
from django.conf import settings

from apps.accounts.models import User
from workers.choices import SignupMode

from .selectors import invite_usable_get


class SignupExtraForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # An identity provider's sign-up (it has a `sociallogin`) needs no invite: the operator
        # chose to let that directory in.
        if settings.ISAMURAI_SIGNUP == SignupMode.INVITE and not hasattr(self, "sociallogin"):
            self.fields["invite_code"] = forms.CharField(
                max_length=32, label="Invite code", help_text="The single-use code the operator gave you.")

    def clean_invite_code(self) -> str:
        code = self.cleaned_data["invite_code"].strip()
        if invite_usable_get(code=code) is None:
            raise forms.ValidationError("This invite code is unknown, used or expired; ask the operator for a new one.")
        return code

    def signup(self, request, user) -> None:
        """allauth's hook after the user is saved; the invite is taken in AccountAdapter.save_user."""


class AccountDeleteForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               required=False, label="Your password")
    confirm = forms.CharField(required=False, label="Type your email address (or username) to confirm")

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict:
        data = super().clean()
        if self.user.has_usable_password():
            if not self.user.check_password(data.get("password") or ""):
                raise forms.ValidationError("That is not your password; the account was not deleted.")
        else:
            # Accounts without a password (identity-provider sign-in) confirm by typing their address.
            accepted = {self.user.email.lower(), self.user.username.lower()} - {""}
            if (data.get("confirm") or "").strip().lower() not in accepted:
                raise forms.ValidationError("Type your email address exactly to confirm; the account was not deleted.")
        return data
