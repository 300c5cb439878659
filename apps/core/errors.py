"""The contract's error body, and the one table from an error's category to its HTTP status and
its job outcome. The API's exception handler, the fast-queue answers, the job runner and the
console all ask this table; nothing else maps errors to statuses."""
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
    ErrorCategory.UNAVAILABLE: ErrorRule(503, JobOutcome.FAILED, logging.ERROR),
    ErrorCategory.CANCELLED: ErrorRule(409, JobOutcome.CANCELLED, logging.INFO),
    ErrorCategory.INTERNAL: ErrorRule(500, JobOutcome.FAILED, logging.ERROR),
}

# What a user is told about a failure that isn't a UserFacingError (a bug, a crash).
UNEXPECTED_FAILURE = ("The server hit an unexpected error while handling this request; nothing was charged. "
                      "Try again, and report it if it keeps happening.")


def error_category(exc: BaseException) -> ErrorCategory:
    return exc.category if isinstance(exc, UserFacingError) else ErrorCategory.INTERNAL


def error_rule(exc: BaseException) -> ErrorRule:
    return ERROR_RULES[error_category(exc)]


def error_body(message: str, *, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "success": False}
    if details:
        body["details"] = details
    return body


def error_response(message: str, *, status: int, details: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse(error_body(message, details=details), status=status)


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")
