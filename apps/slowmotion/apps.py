from django.apps import AppConfig


class SlowMotionConfig(AppConfig):
    name = "apps.slowmotion"
    label = "slowmotion"
    verbose_name = "Slow motion"
