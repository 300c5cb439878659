"""The core's one table: Idempotency-Key records (apps.core.idempotency). It was the ops app's
(hence its table's name); the move changed Django's state only (core 0001, ops 0003)."""
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyRecord(models.Model):
    """The first successful answer to a job-creating POST sent with an Idempotency-Key."""

    class State(models.TextChoices):
        PROCESSING = "processing"
        DONE = "done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PROCESSING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    # {field: sha256 of its value(s)}: a reuse of the key with another body is refused, naming the fields.
    request_fingerprint = models.JSONField(default=dict, blank=True)
    # While processing: past this instant the request is presumed dead (its web worker was killed)
    # and a retry may take the key over.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_record_per_idempotency_key")]
        db_table = "ops_idempotencyrecord"
