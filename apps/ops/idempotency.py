"""Idempotency-Key on job-creating POSTs: a retry gets the first answer back and is never charged
twice. Only successful answers are kept: a failed request charged nothing, so its key is freed
for the retry."""
import functools
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.exceptions import ApplicationError
from workers.errors import ErrorCategory

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"


class IdempotencyConflict(ApplicationError):
    category = ErrorCategory.CONFLICT


def idempotency_records_prune() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.ISAMURAI_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _claim(request: Request, key: str) -> IdempotencyRecord | Response:
    """Our own fresh record to fill in, or the stored answer to replay."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(user=request.user, key=key, method=request.method,
                                                    path=request.path)
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if record is None:
        raise IdempotencyConflict("A request with this Idempotency-Key just finished failing; retry it now.")
    if (record.method, record.path) != (request.method, request.path):
        raise ApplicationError(
            f"This Idempotency-Key was already used for {record.method} {record.path}; use a new key for each "
            "distinct request."
        )
    if record.state != IdempotencyRecord.State.DONE:
        raise IdempotencyConflict("A request with this Idempotency-Key is still being processed; retry shortly.")
    replay = Response(record.response_body, status=record.status_code)
    replay["Idempotent-Replayed"] = "true"
    return replay


def idempotent(handler):
    """Wraps an APIView method (post)."""

    @functools.wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > 255:
            raise ApplicationError(f"The {HEADER} header is longer than 255 characters; send a shorter key.")
        claimed = _claim(request, key)
        if isinstance(claimed, Response):
            return claimed
        try:
            response = handler(view, request, *args, **kwargs)
        except BaseException:
            claimed.delete()
            raise
        if 200 <= response.status_code < 300:
            claimed.state = IdempotencyRecord.State.DONE
            claimed.status_code = response.status_code
            claimed.response_body = response.data
            claimed.save(update_fields=["state", "status_code", "response_body"])
        else:
            claimed.delete()
        return response

    return wrapper
