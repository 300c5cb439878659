"""Celery app. Broker: Redis from REDIS_URL, else kombu's filesystem transport (no server).

Queues: `gpu` for video jobs, `fast` for synchronous work, `webhooks` for deliveries. Models are loaded lazily inside
the worker's pool process, never in the parent before it forks.
"""
import os

from celery import Celery
from celery.signals import worker_ready

from .broker import embedded_broker_register

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isamurai_server.settings")
embedded_broker_register()  # messages of the filesystem broker appear whole (see broker.py)

app = Celery("isamurai_server")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _sweep_on_start(sender, **kwargs) -> None:
    # A worker that starts after a crash picks up the jobs the dead one left behind.
    sender.app.send_task("jobs.sweep")
