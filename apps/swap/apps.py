from django.apps import AppConfig


class SwapConfig(AppConfig):
    name = "apps.swap"
    label = "swap"
    verbose_name = "Face swap"

    def ready(self) -> None:
        # Django's place for work that needs the models: they can't be imported before apps load.
        from apps.jobs.kinds import job_kind_register

        from .kind import FACESWAP

        job_kind_register(FACESWAP)
