from django.conf import settings
from django.db import models

from apps.jobs.models import Job
from workers.choices import QUALITIES, SLOWDOWN_FACTORS, SLOWMOTION_MODES
from workers.options import options_parse
from workers.pipelines.options import SlowMotionOptions


class SlowMotionJob(Job):
    """A slow motion (N x longer) or FPS boost (N x frame rate) project."""

    KIND = "slowmotion"

    slowdown_factor = models.PositiveSmallIntegerField(choices=SLOWDOWN_FACTORS.pairs(),
                                                       default=SLOWDOWN_FACTORS.default)
    quality = models.CharField(max_length=8, choices=QUALITIES.pairs(), default=QUALITIES.default)
    mode = models.CharField(max_length=8, choices=SLOWMOTION_MODES.pairs(), default=SLOWMOTION_MODES.default)
    duration_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        db_table = "jobs_slowmotionjob"  # made by the jobs app before the kind moved here

    def workload(self) -> tuple[float | None, str]:
        # The frames it makes scale with the output's length: the input's times the factor.
        seconds = self.duration_seconds * self.slowdown_factor if self.duration_seconds else None
        return seconds, self.quality

    def plan_facts(self) -> dict:
        return {"video_seconds": self.duration_seconds, "quality": self.quality}

    def pipeline_options(self) -> SlowMotionOptions:
        return options_parse(SlowMotionOptions, slowdown_factor=self.slowdown_factor, quality=self.quality,
                             mode=self.mode, interpolator=settings.ISAMURAI_INTERPOLATOR)
