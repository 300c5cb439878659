from django.apps import AppConfig


class SlowMotionConfig(AppConfig):
    name = "apps.slowmotion"
    label = "slowmotion"
    verbose_name = "Slow motion"

    def ready(self) -> None:
        # Django's place for work that needs the models: they can't be imported before apps load.
        from apps.jobs.kinds import job_kind_register

        from .kind import SLOWMOTION

        job_kind_register(SLOWMOTION)
