from django.apps import AppConfig


class SwapConfig(AppConfig):
    name = "apps.swap"
    label = "swap"
    verbose_name = "Face swap"
