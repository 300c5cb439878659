import uuid

from django.conf import settings
from django.db import models


class GallerySource(models.Model):
    """A source face image uploaded once and reused by id (`source_id`) in swaps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gallery_sources")
    file = models.CharField(max_length=255)  # relative to ISAMURAI_MEDIA_ROOT
    faces_detected = models.PositiveIntegerField(default=0)
    # ArcFace embedding of the largest face (512 floats), computed once at upload.
    embedding = models.JSONField(null=True, blank=True)
    # The content policy's verdict at upload: whether it ran, and the reason it flagged the image
    # (flag mode; block mode refuses the upload). A swap using the source inherits the flag.
    content_scanned = models.BooleanField(default=False)
    content_flag_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class RestoredImage(models.Model):
    """One charged restore-image call."""

    KIND = "restore"  # the instant kind's one spelling (its spec's name, its ledger entries' job_kind)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="restored_images")
    mode = models.CharField(max_length=16)
    faces = models.PositiveIntegerField(default=0)
    output_file = models.CharField(max_length=255)
    credits_charged = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
