import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

rate_validator = RegexValidator(
    r"^[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)$",
    "Write a rate as requests/period, e.g. 600/min (period: sec, min, hour or day).",
)


class Plan(models.Model):
    """A pricing plan a user is on; the API reports its id and name."""

    name = models.CharField(max_length=64, unique=True)
    # Request rates per API key for this plan (e.g. '1200/min'); blank = the server's default.
    throttle_read = models.CharField(max_length=32, blank=True, validators=[rate_validator],
                                     help_text="Non-charging requests per key, e.g. 1200/min. Blank: "
                                               "ISAMURAI_THROTTLE_READ.")
    throttle_charge = models.CharField(max_length=32, blank=True, validators=[rate_validator],
                                       help_text="Charging requests per key, e.g. 120/min. Blank: "
                                                 "ISAMURAI_THROTTLE_CHARGE.")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="users")
    # Signs this user's webhook deliveries (HMAC-SHA256); created on first use.
    webhook_secret = models.CharField(max_length=64, blank=True)


class ApiKey(models.Model):
    """An API key. Only a SHA-256 of the full key is stored; `prefix` finds the row in O(1).

    Keys carry 190+ bits of randomness, so a fast hash is as safe as a slow one here
    (no dictionary to attack) and keeps authentication cheap on every request.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=64, blank=True)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __str__(self) -> str:
        return f"isk_{self.prefix}… ({self.user})"
