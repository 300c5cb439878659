from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.conf import settings

        from workers.processors.registry import processor_module_load

        from . import options, schema  # noqa: F401  register the Api-Key scheme and option fields with drf-spectacular

        for module in settings.ISAMURAI_PROCESSOR_MODULES:  # per-frame steps from outside workers/processors
            processor_module_load(module)
