import uuid

from django.conf import settings
from django.db import models

from apps.jobs.models import Job
from workers.choices import FACE_SELECTIONS, MEDIA_TYPES, QUALITIES
from workers.pipelines.options import FaceSwapOptions


class FaceSwapJob(Job):
    """A single or multi-person face swap of a video or an image."""

    KIND = "faceswap"

    name = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=20, blank=True)
    gquality = models.CharField(max_length=8, choices=QUALITIES.pairs(), default=QUALITIES.default)
    enhance = models.BooleanField(default=False)
    multi = models.BooleanField(default=False)
    media_type = models.CharField(max_length=8, choices=MEDIA_TYPES.pairs(), default=MEDIA_TYPES.default)
    duration_seconds = models.FloatField(null=True, blank=True)
    # What the submission-time check found in the sources, written once and reused by the GPU run:
    # workers.pipelines.sources.SwapSources as JSON, one entry per person ("source" for a single
    # swap; P1, P2.. for multi) with "has_source" and the faces' embeddings.
    analysis = models.JSONField(default=list, blank=True)
    face_selection = models.CharField(max_length=16, choices=FACE_SELECTIONS.pairs(),
                                      default=FACE_SELECTIONS.default)

    class Meta:
        db_table = "jobs_faceswapjob"  # made by the jobs app before the kind moved here

    # The per-frame quality steps the request asked for (pixel_boost, color_match, ...; see
    # apps/swap/options.py); {} = none, the swap as it always was.
    quality_options = models.JSONField(default=dict, blank=True)

    def pipeline_options(self) -> FaceSwapOptions:
        return FaceSwapOptions.coerce({**(self.quality_options or {}), "gquality": self.gquality,
                                       "enhance": self.enhance, "multi": self.multi, "media_type": self.media_type,
                                       "face_selection": self.face_selection, "sources": self.analysis or None})

    def workload(self) -> tuple[float | None, str]:
        return self.duration_seconds, self.gquality

    def is_multi(self) -> bool:
        return self.multi


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
