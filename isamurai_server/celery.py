"""Celery app. Broker: Redis from REDIS_URL, else kombu's filesystem transport (no server)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isamurai_server.settings")

app = Celery("isamurai_server")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
