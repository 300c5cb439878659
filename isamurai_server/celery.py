"""Celery app. Broker: Redis from REDIS_URL, else kombu's filesystem transport (no server).

Queues: `gpu` for video jobs, `fast` for synchronous work, `webhooks` for deliveries. Models are loaded lazily inside
the worker's pool process, never in the parent before it forks.
"""
import os

from celery import Celery
from celery.signals import worker_ready
from celery.worker.control import control_command

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
    # ... and, with S3, empties its media cache of what the dead one fetched (then keeps sweeping).
    from apps.core.storage import media_cache_sweeper_start  # Django is set up only now

    media_cache_sweeper_start()


@control_command(args=[("relpaths", list)], signature="<relpaths>")
def media_cache_drop(state, relpaths: list[str]) -> dict:
    """Broadcast when a job ends (apps.ops.retention): every worker drops its copies of the job's
    files that no task holds."""
    from apps.core.storage import media_cache_drop as drop  # Django is set up only in the worker

    return {"ok": True, "dropped": drop(relpaths=list(relpaths))}
