import logging

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations: health, metrics, webhooks, idempotency"

    def ready(self) -> None:
        from .licences import commercial_licence_warn

        try:
            commercial_licence_warn()  # every process that starts (web, worker, commands) says it
        except Exception:  # a broken manifest must not stop the server; download_models reports it
            logging.getLogger(__name__).exception("could not check the model licences")
