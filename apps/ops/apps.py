from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations: health, metrics, webhooks, idempotency"

    def ready(self) -> None:
        # Subscribing needs the models loaded, so it happens here, not at import.
        from apps.jobs.signals import job_finished

        from .webhooks import webhook_on_job_finished

        job_finished.connect(webhook_on_job_finished, dispatch_uid="ops.webhooks")
