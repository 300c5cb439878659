"""Idempotency-Key on job-creating POSTs: a retry gets the first answer back and is never charged
twice. Only successful answers are kept: a failed request charged nothing, so its key is freed
for the retry. The key is bound to its request: the same key with another endpoint or body is
refused (422, naming what differs), as Stripe does. A request in flight holds its key for a lease
a little past the web server's timeout; a key whose holder died (its worker killed) is taken over
by the next retry once the lease has run out.

Part of the HTTP contract (with the error table), so the product apps that take charging POSTs
depend on core only; ops prunes old records."""
import functools
import hashlib
import json
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from workers.errors import ErrorCategory

from .exceptions import ApplicationError
from .models import IdempotencyRecord
from .schema import raises

HEADER = "Idempotency-Key"


class IdempotencyConflict(ApplicationError):
    category = ErrorCategory.CONFLICT


class IdempotencyMismatch(ApplicationError):
    category = ErrorCategory.MISMATCH


def idempotency_records_prune() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.ISAMURAI_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def request_fingerprint(*, request: Request) -> dict[str, str]:
    """{field: sha256 of its values} over the parsed body (uploads by content), so the same request
    sent again matches even though a multipart body's boundary changes on every send."""
    data = request.data
    if hasattr(data, "lists"):
        items = list(data.lists())
    elif isinstance(data, dict):
        items = [(name, [value]) for name, value in data.items()]
    else:
        items = [("body", [data])]
    fingerprint = {}
    for name, values in items:
        digest = hashlib.sha256()
        for value in values:
            if hasattr(value, "chunks"):  # an uploaded file
                for chunk in value.chunks():
                    digest.update(chunk)
                value.seek(0)
            else:
                digest.update(json.dumps(value, sort_keys=True, default=str).encode())
            digest.update(b"\0")
        fingerprint[str(name)] = digest.hexdigest()
    return fingerprint


def _lease_end() -> datetime:
    return timezone.now() + timedelta(seconds=settings.ISAMURAI_IDEMPOTENCY_LEASE_SECONDS)


def _take_over(record: IdempotencyRecord, fingerprint: dict[str, str]) -> IdempotencyRecord | None:
    """Claim a processing record whose lease ran out; None when another retry got there first."""
    lease = _lease_end()
    taken = IdempotencyRecord.objects.filter(
        pk=record.pk, state=IdempotencyRecord.State.PROCESSING, lease_expires_at=record.lease_expires_at,
    ).update(lease_expires_at=lease, request_fingerprint=fingerprint)
    if not taken:
        return None
    record.lease_expires_at, record.request_fingerprint = lease, fingerprint
    return record


def _claim(request: Request, key: str, fingerprint: dict[str, str]) -> IdempotencyRecord | Response:
    """Our own record to fill in, or the stored answer to replay."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(user=request.user, key=key, method=request.method,
                                                    path=request.path, request_fingerprint=fingerprint,
                                                    lease_expires_at=_lease_end())
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if record is None:
        raise IdempotencyConflict("A request with this Idempotency-Key just finished failing; retry it now.")
    if (record.method, record.path) != (request.method, request.path):
        raise IdempotencyMismatch(
            f"This Idempotency-Key was already used for {record.method} {record.path}; use a new key for each "
            "distinct request."
        )
    processing = record.state == IdempotencyRecord.State.PROCESSING
    lease_end = record.lease_expires_at or record.created_at + timedelta(
        seconds=settings.ISAMURAI_IDEMPOTENCY_LEASE_SECONDS)
    if processing and lease_end <= timezone.now():
        # Its request died without an answer (a killed worker): nothing was kept, this retry takes over.
        taken = _take_over(record, fingerprint)
        if taken is not None:
            return taken
        raise IdempotencyConflict("A request with this Idempotency-Key is still being processed; retry shortly.")
    differing = sorted(name for name in record.request_fingerprint.keys() | fingerprint.keys()
                       if record.request_fingerprint.get(name) != fingerprint.get(name))
    if differing:
        raise IdempotencyMismatch(
            f"This Idempotency-Key was already used with a different request body ({', '.join(differing)} "
            "differ); send the same request to get its answer again, or use a new key for a new request.",
            details={name: ["Differs from the first request sent with this Idempotency-Key."] for name in differing},
        )
    if processing:
        wait = max(1, int((lease_end - timezone.now()).total_seconds()))
        raise IdempotencyConflict("A request with this Idempotency-Key is still being processed; retry shortly "
                                  f"(if it was lost, the key is freed within {wait} s).")
    replay = Response(record.response_body, status=record.status_code)
    replay["Idempotent-Replayed"] = "true"
    return replay


def idempotent(handler):
    """Wraps an APIView method (post); the schema lists the 409 and 422 it may answer."""

    @raises(ErrorCategory.CONFLICT, ErrorCategory.MISMATCH)
    @functools.wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > 255:
            raise ApplicationError(f"The {HEADER} header is longer than 255 characters; send a shorter key.")
        claimed = _claim(request, key, request_fingerprint(request=request))
        if isinstance(claimed, Response):
            return claimed
        # Only while we still hold the lease: a retry that took the key over owns it now.
        ours = IdempotencyRecord.objects.filter(pk=claimed.pk, lease_expires_at=claimed.lease_expires_at)
        try:
            response = handler(view, request, *args, **kwargs)
        except BaseException:
            ours.delete()
            raise
        if 200 <= response.status_code < 300:
            ours.update(state=IdempotencyRecord.State.DONE, status_code=response.status_code,
                        response_body=response.data)
        else:
            ours.delete()
        return response

    return wrapper
