from django.apps import AppConfig


class RestoreConfig(AppConfig):
    name = "apps.restore"
    label = "restore"
    verbose_name = "Image restore and gallery"
