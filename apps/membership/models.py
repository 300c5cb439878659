"""Self-service accounts: invites, how an account came to be, and suspensions.

Kept out of apps.accounts so that app's User and Plan stay the one place for identity and plans."""
import secrets

from django.conf import settings
from django.db import models


def invite_code_new() -> str:
    return secrets.token_urlsafe(12)


class Invite(models.Model):
    """A single-use sign-up code (ISAMURAI_SIGNUP=invite), made in the admin."""

    code = models.CharField(max_length=32, unique=True, default=invite_code_new, editable=False)
    note = models.CharField(max_length=255, blank=True, help_text="Who it is for (only you see this).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Blank: never expires.")
    used_by = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="invite_used", editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code


class SignupRecord(models.Model):
    """An account its owner made (the sign-up page or an identity provider), not the operator."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="signup_record")
    signed_up_at = models.DateTimeField(auto_now_add=True)
    # Set in the transaction that grants ISAMURAI_SIGNUP_CREDITS, so they are granted once.
    credits_granted_at = models.DateTimeField(null=True, blank=True)
    credits_granted = models.PositiveIntegerField(default=0)


class Suspension(models.Model):
    """Why and when an operator suspended an account (its `is_active` is off meanwhile)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="suspension")
    reason = models.CharField(max_length=255, blank=True)
    suspended_at = models.DateTimeField(auto_now_add=True)
    suspended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
