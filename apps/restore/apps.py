from django.apps import AppConfig


class RestoreConfig(AppConfig):
    name = "apps.restore"
    label = "restore"
    verbose_name = "Image restore and gallery"

    def ready(self) -> None:
        # Django's place for work that needs the models: they can't be imported before apps load.
        from apps.jobs.kinds import job_kind_register

        from .kind import RESTORE

        job_kind_register(RESTORE)
