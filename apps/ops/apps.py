from django.apps import AppConfig

from apps.jobs.signals import job_finished


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations: health, metrics, webhooks, idempotency"

    def ready(self) -> None:
        # The receiver's module imports models, which can't load before the apps registry is ready.
        from .webhooks import webhook_on_job_finished

        job_finished.connect(webhook_on_job_finished, dispatch_uid="ops.webhooks")
