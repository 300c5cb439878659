import uuid

from django.conf import settings
from django.db import models


class Preview(models.Model):
    """One charged single-frame preview (single or multi swap)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="previews")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="previews")
    multi = models.BooleanField(default=False)
    enhance = models.BooleanField(default=False)
    quality_options = models.JSONField(default=dict, blank=True)  # as on FaceSwapJob
    credits_charged = models.PositiveIntegerField(default=0)
    output_file = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
