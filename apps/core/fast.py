"""Synchronous work on the `fast` queue: the web process sends a task and waits for its answer,
so it never loads a model itself. Tasks answer {"ok": True, ...} or {"ok": False, "category",
"error"} for any UserFacingError (a bad input, a missing model or GPU provider), and the web side
raises it again with the same category, so the status comes from the one table in core.errors."""
import logging
from collections.abc import Callable
from typing import Any

from celery import current_app
from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from kombu.exceptions import OperationalError

from workers.errors import ErrorCategory, UserFacingError

from .errors import ERROR_RULES
from .exceptions import ApplicationError, ServerError, ServiceUnavailable
from .storage import media_fetch_scope

logger = logging.getLogger(__name__)

WORKER_HINT = "start one with `celery -A isamurai_server worker -Q gpu,fast,webhooks`"


def fast_task_answer(work: Callable[..., dict[str, Any]], /, **kwargs: Any) -> dict[str, Any]:
    """Run the service `work(**kwargs)` inside a fast task (the task is this one call), turning
    expected failures into an answer for the user. What it fetches from the bucket (a submit-time
    check's uploads) leaves this host when it ends."""
    try:
        with media_fetch_scope():
            return {"ok": True, **work(**kwargs)}
    except UserFacingError as exc:
        logger.log(ERROR_RULES[exc.category].log_level, "fast task: %s (%s): %s %s", type(exc).__name__,
                   exc.category, exc.user_message, exc.detail)
        return {"ok": False, "category": str(exc.category), "error": exc.user_message}


def _result_forget(result) -> None:
    try:
        result.forget()
    except FileNotFoundError:  # the embedded (filesystem) result store: no answer was ever written
        pass


def fast_task_call(task: str, *, kwargs: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """Send the task named `task` to the fast queue and wait for its answer; errors become API
    errors. By name: a service never imports its tasks module (tasks wrap services, not the
    reverse, and the web process never loads what a task imports)."""
    timeout = timeout or settings.ISAMURAI_FAST_TASK_TIMEOUT
    try:
        result = current_app.send_task(task, kwargs=kwargs, queue="fast", ignore_result=False)
    except OperationalError as exc:
        logger.error("broker unreachable: %s", exc)
        raise ServiceUnavailable("The job queue is unreachable right now; try again shortly.") from exc
    try:
        answer = result.get(timeout=timeout, propagate=False, disable_sync_subtasks=False)
    except CeleryTimeout:
        result.revoke()
        raise ServiceUnavailable(
            f"No worker answered within {timeout:.0f} s; the server's workers are busy or not running "
            f"({WORKER_HINT}). Nothing was charged."
        ) from None
    finally:
        _result_forget(result)
    if not isinstance(answer, dict):
        logger.error("fast task %s failed: %r", task, answer)
        raise ServerError("The server failed while processing this request; nothing was charged. Try again.")
    if not answer.get("ok"):
        raise ApplicationError(answer["error"], category=ErrorCategory(answer["category"]))
    return answer
