"""Celery tasks: thin wrappers over the job services."""
import logging
import re
import threading

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from apps.core.fast import fast_task_answer
from workers.gpu import gpu_utilization

from .runner import job_execute, join_execute, segment_execute
from .services import (
    JOB_JOIN_TASK,
    JOB_MODELS_REQUIRE_TASK,
    JOB_RUN_TASK,
    JOB_SEGMENT_TASK,
    job_sweep,
    worker_presence_beat,
    worker_presence_end,
)
from .worker_services import models_require

logger = logging.getLogger(__name__)


@shared_task(name=JOB_RUN_TASK, bind=True, ignore_result=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=1, retry_backoff_max=30, max_retries=8)
def job_run_task(self, job_id: str, token: str) -> str:
    # The message names the job it was sent for, but it is a turn to run: the worker claims the
    # dispatched job the queue's policy puts first (apps.jobs.queue). A database hiccup before the
    # claim is retried; claiming is idempotent.
    return job_execute(node=self.request.hostname or "")


@shared_task(name=JOB_MODELS_REQUIRE_TASK)
def job_models_require_task(**kwargs) -> dict:
    return fast_task_answer(models_require, **kwargs)


@shared_task(name=JOB_SEGMENT_TASK, bind=True, ignore_result=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=1, retry_backoff_max=30, max_retries=8)
def job_segment_task(self, segment_id: str) -> str:
    # One part of a split job (any free GPU worker takes it); claiming is idempotent.
    return segment_execute(segment_id=segment_id, node=self.request.hostname or "")


@shared_task(name=JOB_JOIN_TASK, ignore_result=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=1, retry_backoff_max=30, max_retries=8)
def job_join_task(job_id: str) -> str:
    return join_execute(job_id=job_id)


SWEEP_TASK = "jobs.sweep"


@shared_task(name=SWEEP_TASK, ignore_result=True)
def job_sweep_task() -> dict[str, int]:
    return job_sweep()


class IdleSweepLogFilter(logging.Filter):
    """The sweeper runs every ISAMURAI_SWEEP_SECONDS: Celery's INFO lines for it (beat sends it,
    the worker receives it, it succeeded) become DEBUG unless the sweep acted (a non-zero count),
    so a quiet server's log stays quiet."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not self._is_idle_sweep(record):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)

    @staticmethod
    def _is_idle_sweep(record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, dict):  # celery.app.trace / celery.worker.strategy: a context dict
            if args.get("name") != SWEEP_TASK:
                return False
            result = args.get("return_value")  # only on "succeeded"; None on "received"
            return result is None or not re.search(r"[1-9]", str(result))
        return isinstance(args, tuple) and SWEEP_TASK in args  # celery.beat: "Sending due task"


for _logger_name in ("celery.app.trace", "celery.worker.strategy", "celery.beat"):
    logging.getLogger(_logger_name).addFilter(IdleSweepLogFilter())


class PresenceBeat:
    """Writes this worker's presence (and its GPUs' utilisation) every ISAMURAI_WORKER_BEAT_SECONDS
    from a thread of the worker's main process, until the worker shuts down."""

    def __init__(self, name: str, queues: list[str]) -> None:
        self.name, self.queues = name, queues
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="presence-beat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                gpus = gpu_utilization() if "gpu" in self.queues else []
                try:
                    worker_presence_beat(name=self.name, queues=self.queues, gpus=gpus)
                except Exception:  # the next beat tries again
                    logger.exception("worker presence beat failed")
                if self._stop.wait(settings.ISAMURAI_WORKER_BEAT_SECONDS):
                    break
            worker_presence_end(name=self.name)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


_presence: PresenceBeat | None = None


@worker_ready.connect
def _presence_start(sender, **kwargs) -> None:
    global _presence
    queues = sorted(queue.name for queue in sender.task_consumer.queues)
    _presence = PresenceBeat(sender.hostname, queues)
    _presence.start()


@worker_shutdown.connect
def _presence_stop(sender, **kwargs) -> None:
    if _presence is not None:
        _presence.stop()
