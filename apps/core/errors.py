"""The contract's error body, and the one table from an error's category to its HTTP status and
its job outcome. The API's exception handler, the middleware, Django's error handlers
(core/views.py), the fast-queue answers, the job runner, the console and the OpenAPI schema all
ask this table; nothing else maps errors to statuses."""
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.http import JsonResponse

from workers.errors import ErrorCategory, UserFacingError


class JobOutcome(StrEnum):
    FAILED = "failed"  # Failed with the error's sentence, credits refunded in full
    CANCELLED = "cancelled"  # the user stopped it; stop-job already settled the refund


@dataclass(frozen=True)
class ErrorRule:
    http_status: int
    job_outcome: JobOutcome
    log_level: int  # how loudly the server logs it (the user always gets the sentence)


ERROR_RULES: dict[ErrorCategory, ErrorRule] = {
    ErrorCategory.BAD_INPUT: ErrorRule(400, JobOutcome.FAILED, logging.INFO),
    ErrorCategory.NOT_FOUND: ErrorRule(404, JobOutcome.FAILED, logging.INFO),
    ErrorCategory.FORBIDDEN: ErrorRule(403, JobOutcome.FAILED, logging.INFO),
    ErrorCategory.CONFLICT: ErrorRule(409, JobOutcome.FAILED, logging.INFO),
    ErrorCategory.MISMATCH: ErrorRule(422, JobOutcome.FAILED, logging.INFO),
    ErrorCategory.UNAVAILABLE: ErrorRule(503, JobOutcome.FAILED, logging.ERROR),
    ErrorCategory.CANCELLED: ErrorRule(409, JobOutcome.CANCELLED, logging.INFO),
    ErrorCategory.INTERNAL: ErrorRule(500, JobOutcome.FAILED, logging.ERROR),
    # Raised at the HTTP edge only (DRF, the middleware, Django's handlers), never by a job.
    ErrorCategory.UNAUTHENTICATED: ErrorRule(401, JobOutcome.FAILED, logging.INFO),
    ErrorCategory.NOT_ALLOWED: ErrorRule(405, JobOutcome.FAILED, logging.INFO),
    ErrorCategory.TOO_LARGE: ErrorRule(413, JobOutcome.FAILED, logging.INFO),
    ErrorCategory.UNSUPPORTED_MEDIA: ErrorRule(415, JobOutcome.FAILED, logging.INFO),
    ErrorCategory.THROTTLED: ErrorRule(429, JobOutcome.FAILED, logging.INFO),
}

# What a user is told about a failure that isn't a UserFacingError (a bug, a crash).
UNEXPECTED_FAILURE = ("The server hit an unexpected error while handling this request; nothing was charged. "
                      "Try again, and report it if it keeps happening.")
# A body over Django's own limits (DATA_UPLOAD_MAX_MEMORY_SIZE, ...), whoever notices it.
TOO_LARGE_MESSAGE = "The request is too large; send a smaller file."


def error_category(exc: BaseException) -> ErrorCategory:
    return exc.category if isinstance(exc, UserFacingError) else ErrorCategory.INTERNAL


def error_rule(exc: BaseException) -> ErrorRule:
    return ERROR_RULES[error_category(exc)]


def error_body(message: str, *, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "success": False}
    if details:
        body["details"] = details
    return body


def error_status(category: ErrorCategory) -> int:
    return ERROR_RULES[category].http_status


def error_response(message: str, *, category: ErrorCategory, details: dict[str, Any] | None = None) -> JsonResponse:
    """The contract's JSON error with the status the table gives ``category``."""
    return JsonResponse(error_body(message, details=details), status=error_status(category))


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")
