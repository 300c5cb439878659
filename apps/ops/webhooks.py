"""Webhooks (an extension): when a job with a webhook_url reaches Done, Failed or Cancelled, its
job object is POSTed there, signed, and retried with exponential backoff; every delivery is
recorded (admin: Webhook deliveries).

Signature: header `X-Isamurai-Signature: t=<unix seconds>,v1=<hex>` where hex is
HMAC-SHA256(user's webhook secret, f"{t}.{raw body}"). Check it and reject old timestamps.
"""
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import threading
import time
import uuid
from urllib.parse import urlparse

import urllib3
import urllib3.connection
from celery import current_app
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from urllib3.util.ssl_match_hostname import CertificateError

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


class WebhookTargetRefused(Exception):
    """The webhook's host does not resolve, or resolves (now) to an address inside this network."""

    def __init__(self, message: str, *, private: bool) -> None:
        super().__init__(message)
        self.private = private


# IPv6 prefixes that carry an IPv4 address a relay or gateway connects to (6to4, Teredo, NAT64,
# the local NAT64 prefix): a webhook through them could reach any IPv4 host, private ones too.
_TUNNEL_PREFIXES = tuple(ipaddress.ip_network(prefix) for prefix in (
    "2002::/16", "2001::/32", "64:ff9b::/96", "64:ff9b:1::/48"))


def ip_is_public(address: str) -> bool:
    """False for loopback, private, link-local, multicast, reserved and unspecified addresses,
    IPv4 or IPv6, including IPv4 addresses mapped into IPv6 (::ffff:127.0.0.1) and every address
    of the 6to4, Teredo and NAT64 prefixes (whatever IPv4 address they embed)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.is_site_local or any(ip in prefix for prefix in _TUNNEL_PREFIXES):  # fec0::/10: deprecated, local
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback
                                 or ip.is_private or ip.is_unspecified)


def webhook_port_allowed(port: int) -> bool:
    """80 and 443 unless ISAMURAI_WEBHOOK_PORTS says otherwise ("*": any port)."""
    ports = settings.ISAMURAI_WEBHOOK_PORTS
    return "*" in ports or str(port) in ports


def webhook_address_resolve(host: str, port: int) -> str:
    """Resolve `host` once and return the address to connect to. Unless private targets are allowed,
    every answer must be public: a name that resolved to a public address when the job was submitted
    and to 127.0.0.1 or 169.254.169.254 now (DNS rebinding) is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise WebhookTargetRefused(f"{host} does not resolve ({exc})", private=False) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise WebhookTargetRefused(f"{host} does not resolve", private=False)
    if not settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE:
        private = [address for address in addresses if not ip_is_public(address)]
        if private:
            raise WebhookTargetRefused(f"{host} resolves to a private address ({private[0]}); "
                                       "webhooks go to public hosts only", private=True)
    return addresses[0]


def webhook_url_validate(url: str, *, field: str = "webhook_url") -> str:
    """http(s) only, and (unless allowed in settings) not an address inside this network. Checked
    again, against the address actually connected to, at every send."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ApplicationError(f"{field}: use an http:// or https:// URL.", details={field: ["Invalid URL."]})
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        raise ApplicationError(f"{field}: the port is not a number from 1 to 65535.",
                               details={field: ["Invalid port."]}) from None
    if not webhook_port_allowed(port):
        allowed = ", ".join(settings.ISAMURAI_WEBHOOK_PORTS)
        raise ApplicationError(f"{field}: port {port} is not allowed for webhooks (allowed: {allowed}); "
                               "use a URL on a standard port.", details={field: ["Port not allowed."]})
    if not settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE:
        try:
            webhook_address_resolve(parsed.hostname, port)
        except WebhookTargetRefused as exc:
            if exc.private:
                raise ApplicationError(f"{field}: {parsed.hostname} is a private address; webhooks go to "
                                       "public hosts only.") from None
            raise ApplicationError(f"{field}: the host {parsed.hostname} does not resolve.") from None
    return url


def webhook_on_job_submitting(sender, *, job: Job, **kwargs) -> None:
    """The receiver of apps.jobs.signals.job_submitting (connected in OpsConfig.ready): a job's
    webhook_url is checked before the job is saved or charged."""
    if job.webhook_url:
        webhook_url_validate(job.webhook_url)


def webhook_on_job_finished(sender, *, job: Job, **kwargs) -> None:
    """The receiver of apps.jobs.signals.job_finished (connected in OpsConfig.ready)."""
    if job.webhook_url:
        webhook_enqueue(job_id=job.id)


class WebhookDeadline(Exception):
    """The receiver did not answer in full within the attempt's wall-clock deadline."""


def webhook_post(*, url: str, body: bytes, headers: dict[str, str], timeout: float,
                 max_response_bytes: int = 64 * 1024) -> int:
    """POST to the one address the host resolves to now, checked, with the URL's Host header (and
    TLS name), following no redirect; returns the status code. Resolving once and pinning the
    connection closes the window between check and connect that DNS rebinding uses.

    `timeout` is a wall-clock deadline for the whole attempt (connect, send, headers, body): a
    watchdog shuts the socket down when it passes, so a receiver answering a byte every few
    seconds cannot hold a worker. At most `max_response_bytes` of the answer are read."""
    parsed = urlparse(url)
    default_port = 443 if parsed.scheme == "https" else 80
    port = parsed.port or default_port
    if not webhook_port_allowed(port):
        raise WebhookTargetRefused(f"port {port} is not allowed for webhooks", private=False)
    started = time.monotonic()
    address = webhook_address_resolve(parsed.hostname, port)
    host_header = parsed.netloc.rpartition("@")[2]  # what a plain client would send
    remaining = max(0.1, timeout - (time.monotonic() - started))
    options = {"timeout": remaining}  # per socket operation; the watchdog bounds the total
    if parsed.scheme == "https":  # certificate checked against the URL's name, not the address
        connection = urllib3.connection.HTTPSConnection(
            address, port, server_hostname=parsed.hostname, assert_hostname=parsed.hostname,
            cert_reqs="CERT_REQUIRED", **options)
    else:
        connection = urllib3.connection.HTTPConnection(address, port, **options)
    expired = threading.Event()

    def stop() -> None:
        expired.set()
        sock = getattr(connection, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked read in the sending thread
            except OSError:
                pass

    watchdog = threading.Timer(remaining, stop)
    watchdog.daemon = True
    watchdog.start()
    target = parsed.path or "/"
    if parsed.query:
        target += f"?{parsed.query}"
    try:
        connection.request("POST", target, body=body, headers={**headers, "Host": host_header},
                           preload_content=False, decode_content=False)
        response = connection.getresponse()
        response.read(max_response_bytes, decode_content=False)  # drained up to the cap, never kept
        if expired.is_set():
            raise WebhookDeadline(f"no full answer within {timeout:g} s")
        return response.status
    except (OSError, urllib3.exceptions.HTTPError, http.client.HTTPException, CertificateError) as exc:
        if expired.is_set():
            raise WebhookDeadline(f"no full answer within {timeout:g} s") from None
        raise exc
    finally:
        watchdog.cancel()
        connection.close()


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
        status_code = webhook_post(url=delivery.url, body=body, headers=headers,
                                   timeout=settings.ISAMURAI_WEBHOOK_TIMEOUT_SECONDS,
                                   max_response_bytes=settings.ISAMURAI_WEBHOOK_RESPONSE_BYTES)
        delivery.last_status_code, delivery.last_error = status_code, ""
        ok = 200 <= status_code < 300
    except (WebhookTargetRefused, WebhookDeadline, urllib3.exceptions.HTTPError, http.client.HTTPException,
            CertificateError, OSError) as exc:
        delivery.last_error, ok = str(exc)[:500], False
    if ok:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, timezone.now()
    elif delivery.attempts >= settings.ISAMURAI_WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    return ok or delivery.status == WebhookDelivery.Status.FAILED
