from django.db import models

from apps.jobs.models import Job


class ToyJob(Job):
    """A job that paints a word's colour into a small picture (the example of
    docs/adding-a-job-kind.md)."""

    KIND = "toy"

    word = models.CharField(max_length=32)

    def pipeline_options(self) -> dict:
        return {"word": self.word}
