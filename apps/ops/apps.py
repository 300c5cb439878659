import logging

from django.apps import AppConfig

from apps.jobs.signals import job_finished, job_submitting


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations: health, metrics, webhooks, pruning"

    def ready(self) -> None:
        # The receivers' modules import models, which can't load before the apps registry is ready.
        from .licences import commercial_licence_warn
        from .retention import job_media_drop_everywhere
        from .webhooks import webhook_on_job_finished, webhook_on_job_submitting

        job_submitting.connect(webhook_on_job_submitting, dispatch_uid="ops.webhook_url")
        job_finished.connect(webhook_on_job_finished, dispatch_uid="ops.webhooks")
        job_finished.connect(job_media_drop_everywhere, dispatch_uid="ops.media_drop")
        try:
            commercial_licence_warn()  # every process that starts (web, worker, commands) says it
        except Exception:  # a broken manifest must not stop the server; download_models reports it
            logging.getLogger(__name__).exception("could not check the model licences")
