"""Webhooks (an extension): when a job with a webhook_url reaches Done, Failed or Cancelled, its
job object is POSTed there, signed, and retried with exponential backoff; every delivery is
recorded (admin: Webhook deliveries).

Signature: header `X-Isamurai-Signature: t=<unix seconds>,v1=<hex>` where hex is
HMAC-SHA256(user's webhook secret, f"{t}.{raw body}"). Check it and reject old timestamps.
"""
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from urllib.parse import urlparse

import requests
from celery import current_app
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.exceptions import ApplicationError
from apps.jobs.kinds import job_kind_get
from apps.jobs.models import Job
from apps.jobs.selectors import job_concrete_get

from .models import WebhookDelivery

SIGNATURE_HEADER = "X-Isamurai-Signature"
EVENT_HEADER = "X-Isamurai-Event"
# The delivery task (apps.ops.tasks), sent by name: the tasks module imports this one.
WEBHOOK_DELIVER_TASK = "webhooks.deliver"


def webhook_secret_get_or_create(*, user: User) -> str:
    if not user.webhook_secret:
        User.objects.filter(pk=user.pk, webhook_secret="").update(webhook_secret=secrets.token_hex(32))
        user.refresh_from_db(fields=["webhook_secret"])
    return user.webhook_secret


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_url_validate(url: str, *, field: str = "webhook_url") -> str:
    """http(s) only, and (unless allowed in settings) not an address inside this network."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ApplicationError(f"{field}: use an http:// or https:// URL.", details={field: ["Invalid URL."]})
    if not settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE:
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(parsed.hostname, parsed.port or 443)}
        except OSError:
            raise ApplicationError(f"{field}: the host {parsed.hostname} does not resolve.") from None
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
                raise ApplicationError(f"{field}: {parsed.hostname} is a private address; webhooks go to "
                                       "public hosts only.")
    return url


def webhook_on_job_finished(sender, *, job: Job, **kwargs) -> None:
    """The receiver of apps.jobs.signals.job_finished (connected in OpsConfig.ready)."""
    if job.webhook_url:
        webhook_enqueue(job_id=job.id)


def webhook_enqueue(*, job_id: uuid.UUID) -> WebhookDelivery | None:
    """Record a delivery of the job's final state, as its kind shapes it, and hand it to a worker."""
    job = job_concrete_get(job_id=job_id)
    if not job.webhook_url:
        return None
    event = f"job.{job.status.lower()}"
    payload = job_kind_get(job.kind).webhook_payload(job, event=event)
    delivery = WebhookDelivery.objects.create(job=job, url=job.webhook_url, event=event, payload=payload)
    transaction.on_commit(lambda: current_app.send_task(WEBHOOK_DELIVER_TASK, args=[str(delivery.id)]),
                          robust=True)
    return delivery


def webhook_attempt(*, delivery_id: uuid.UUID) -> bool:
    """One POST. True when delivered (2xx); the task retries otherwise."""
    delivery = WebhookDelivery.objects.select_related("job__user").get(pk=delivery_id)
    if delivery.status != WebhookDelivery.Status.PENDING:
        return True
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "isamurai-server-webhooks/1",
        EVENT_HEADER: delivery.event,
        SIGNATURE_HEADER: webhook_signature(secret=webhook_secret_get_or_create(user=delivery.job.user),
                                            timestamp=timestamp, body=body),
    }
    delivery.attempts += 1
    try:
        response = requests.post(delivery.url, data=body, headers=headers,
                                 timeout=settings.ISAMURAI_WEBHOOK_TIMEOUT_SECONDS, allow_redirects=False)
        delivery.last_status_code, delivery.last_error = response.status_code, ""
        ok = 200 <= response.status_code < 300
    except requests.RequestException as exc:
        delivery.last_error, ok = str(exc)[:500], False
    if ok:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, timezone.now()
    elif delivery.attempts >= settings.ISAMURAI_WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    return ok or delivery.status == WebhookDelivery.Status.FAILED
