import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from workers.choices import QUALITIES

rate_validator = RegexValidator(
    r"^[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)$",
    "Write a rate as requests/period, e.g. 600/min (period: sec, min, hour or day).",
)


class Plan(models.Model):
    """A pricing plan a user is on; the API reports its id and name. Its limits are enforced when a
    request is submitted, before any charge (apps.accounts.limits); blank limits mean the server's."""

    name = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=255, blank=True, help_text="One line for the pricing page.")
    # What it costs and what it gives each month (a paid subscription through Stripe, apps.billing).
    price_monthly = models.DecimalField(max_digits=10, decimal_places=2, default=0,
                                        help_text="Price per month, in the currency below. 0: free.")
    currency = models.CharField(max_length=3, default="usd", help_text="ISO 4217 code, e.g. usd or eur.")
    monthly_credits = models.PositiveIntegerField(default=0, help_text="Credits granted on each paid invoice.")
    stripe_price_id = models.CharField(max_length=255, blank=True,
                                       help_text="A recurring Stripe Price (price_...). Blank: Checkout "
                                                 "sends the monthly price above.")
    # The limits the server enforces on this plan's requests.
    max_video_seconds = models.PositiveIntegerField(null=True, blank=True,
                                                    help_text="Longest video, in seconds. Blank: "
                                                              "ISAMURAI_MAX_VIDEO_SECONDS only.")
    max_quality = models.CharField(max_length=8, blank=True, choices=QUALITIES.pairs(),
                                   help_text="Highest output quality. Blank: every quality.")
    max_image_pixels = models.PositiveBigIntegerField(null=True, blank=True,
                                                      help_text="Largest image (width x height), e.g. "
                                                                "4000000 for 4 MP. Blank: "
                                                                "ISAMURAI_MAX_IMAGE_PIXELS only.")
    # The fair queue's priority (apps.jobs.queue): a job takes it when queued.
    queue_priority = models.SmallIntegerField(default=0, help_text="Higher starts first; users of one "
                                                                   "priority take turns.")
    # Request rates per API key for this plan (e.g. '1200/min'); blank = the server's default.
    throttle_read = models.CharField(max_length=32, blank=True, validators=[rate_validator],
                                     help_text="Non-charging requests per key, e.g. 1200/min. Blank: "
                                               "ISAMURAI_THROTTLE_READ.")
    throttle_charge = models.CharField(max_length=32, blank=True, validators=[rate_validator],
                                       help_text="Charging requests per key, e.g. 120/min. Blank: "
                                                 "ISAMURAI_THROTTLE_CHARGE.")
    retention_hours = models.PositiveIntegerField(null=True, blank=True,
                                                  help_text="Jobs' files are deleted this long after "
                                                            "they end. Blank: ISAMURAI_RETENTION_HOURS.")
    visible_label_required = models.BooleanField(default=False,
                                                 help_text="Every output carries the visible "
                                                           "AI-generated label, whatever the request says.")
    is_default = models.BooleanField(default=False, help_text="New accounts get this plan (one plan at most).")
    is_public = models.BooleanField(default=True, help_text="Listed on the pricing page.")

    class Meta:
        ordering = ["price_monthly", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="plan_one_default"),
            models.CheckConstraint(condition=Q(price_monthly__gte=0), name="plan_price_not_negative"),
        ]

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
