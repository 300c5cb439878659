"""Celery tasks: thin wrappers over the job services."""
import logging
import re
import uuid

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .runner import job_execute
from .services import JOB_RUN_TASK, job_sweep


@shared_task(name=JOB_RUN_TASK, bind=True, ignore_result=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=1, retry_backoff_max=30, max_retries=8)
def job_run_task(self, job_id: str, token: str) -> str:
    # A database hiccup before the claim would otherwise leave the job dispatched but unclaimed
    # until the sweeper re-sends it; the claim checks the token, so running again is safe.
    return job_execute(job_id=uuid.UUID(job_id), token=uuid.UUID(token), node=self.request.hostname or "")


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
