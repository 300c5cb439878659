"""Synchronous work on the `fast` queue: the web process sends a task and waits for its answer,
so it never loads a model itself. Tasks answer {"ok": True, ...} or {"ok": False, "status",
"error"}, never raise for the user's mistakes."""
import logging
from collections.abc import Callable
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from kombu.exceptions import OperationalError

from workers.errors import MediaError, ModelUnavailable
from workers.pipelines.context import PipelineError

from .exceptions import ApplicationError, ServerError, ServiceUnavailable

logger = logging.getLogger(__name__)

WORKER_HINT = "start one with `celery -A isamurai_server worker -Q gpu,fast`"


def fast_task_answer(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `work` inside a fast task, turning expected failures into an answer for the user."""
    try:
        return {"ok": True, **work()}
    except ModelUnavailable as exc:
        return {"ok": False, "status": 503, "error": exc.user_message}
    except (MediaError, PipelineError) as exc:
        return {"ok": False, "status": 400, "error": exc.user_message}


def fast_task_call(task, *, kwargs: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """Send `task` to the fast queue and wait for its answer; errors become API errors."""
    timeout = timeout or settings.ISAMURAI_FAST_TASK_TIMEOUT
    try:
        result = task.apply_async(kwargs=kwargs, queue="fast", ignore_result=False)
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
        result.forget()
    if not isinstance(answer, dict):
        logger.error("fast task %s failed: %r", task.name, answer)
        raise ServerError("The server failed while processing this request; nothing was charged. Try again.")
    if not answer.get("ok"):
        status = answer.get("status", 400)
        error_class = ServiceUnavailable if status == 503 else ApplicationError
        raise error_class(answer["error"])
    return answer
