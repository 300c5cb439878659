from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "apps.provenance"
    label = "provenance"
    verbose_name = "Provenance (C2PA, watermark): verify"

    def ready(self) -> None:
        from apps.core.content_policy import content_policy_startup_check  # settings are ready only now

        content_policy_startup_check()
