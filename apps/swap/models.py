import uuid

from django.conf import settings
from django.db import models

from apps.jobs.models import Job
from workers.choices import FACE_SELECTIONS, MEDIA_TYPES, QUALITIES
from workers.options import OptionsSchema, json_value, option_fields
from workers.pipelines.options import FaceSwapBaseOptions, faceswap_options

# The options kept in columns of their own (the API's job object shows them); every other
# public option (the processors') is kept in ``quality_options``.
OPTION_COLUMNS = ("gquality", "enhance", "face_selection")


def options_json(options: OptionsSchema) -> dict:
    """The public options but the column ones, as the JSON ``quality_options`` holds them."""
    return {spec.name: json_value(getattr(options, spec.name)) for spec in option_fields(type(options))
            if spec.name not in OPTION_COLUMNS}


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

    # The options besides OPTION_COLUMNS (pixel_boost, color_match, ... every processor's; see
    # options_json); {} or a missing key = that option's default.
    quality_options = models.JSONField(default=dict, blank=True)

    def options_store(self, options: FaceSwapBaseOptions) -> None:
        """Keep the request's options (the schema object) on this row."""
        self.gquality, self.enhance, self.face_selection = (
            json_value(options.gquality), getattr(options, "enhance", False), json_value(options.face_selection))
        self.quality_options = options_json(options)

    def pipeline_options(self) -> FaceSwapBaseOptions:
        return faceswap_options({**(self.quality_options or {}), "gquality": self.gquality, "enhance": self.enhance,
                                 "multi": self.multi, "media_type": self.media_type,
                                 "face_selection": self.face_selection, "sources": self.analysis or None})

    def workload(self) -> tuple[float | None, str]:
        return self.duration_seconds, self.gquality

    def plan_facts(self) -> dict:
        return {"video_seconds": self.duration_seconds, "quality": self.gquality}

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
