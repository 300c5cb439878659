"""Issue #20 item 3: a webhook receiver cannot hold the server. Each attempt has a wall-clock
deadline and reads a bounded answer; deliveries have their own queue; only ports 80/443 by default;
6to4, Teredo and NAT64 addresses (which embed any IPv4 host) count as private."""
import socket
import threading
import time

import pytest
from django.test import Client

from apps.core.exceptions import ApplicationError
from apps.ops.models import WebhookDelivery
from apps.ops.webhooks import (
    WebhookDeadline,
    WebhookTargetRefused,
    ip_is_public,
    webhook_address_resolve,
    webhook_enqueue,
    webhook_post,
    webhook_url_validate,
)
from tests.security.conftest import api, b64
from tests.worker_process import WorkerPool, broker_purge, wait_for

DEADLINE = 3.0


class DripServer:
    """A loopback server that answers one byte every `interval` seconds, forever (`stage`: in the
    status line, or after whole headers in the body), or a huge body at once (`flood`)."""

    def __init__(self, stage: str, interval: float = 0.5) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.connections: list[dict] = []
        self.stage, self.interval = stage, interval
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        record = {"opened": time.monotonic(), "closed": None, "sent": 0}
        self.connections.append(record)
        conn.recv(65536)
        try:
            if self.stage == "flood":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n")
                chunk = b"x" * 65536
                for _ in range(800):
                    conn.sendall(chunk)
                    record["sent"] += len(chunk)
            else:
                if self.stage == "body":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                for byte in (b"HTTP/1.1 200 OK\r\n" if self.stage == "status" else b"x" * 100000):
                    conn.sendall(bytes([byte]))
                    record["sent"] += 1
                    time.sleep(self.interval)
        except OSError:
            pass
        record["closed"] = time.monotonic()
        conn.close()

    def close(self) -> None:
        self.listener.close()


@pytest.mark.parametrize("stage", ["status", "body"])
def test_an_attempt_ends_by_its_deadline_however_slowly_the_receiver_drips(settings, stage):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE, settings.ISAMURAI_WEBHOOK_PORTS = True, ["*"]
    server = DripServer(stage)
    try:
        started = time.monotonic()
        with pytest.raises(WebhookDeadline, match=f"within {DEADLINE:g} s"):
            webhook_post(url=server.url, body=b"{}", headers={}, timeout=DEADLINE)
        assert time.monotonic() - started < DEADLINE + 2  # not the receiver's pace (it never ends)
    finally:
        server.close()


def test_only_the_start_of_a_huge_answer_is_read(settings):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE, settings.ISAMURAI_WEBHOOK_PORTS = True, ["*"]
    server = DripServer("flood")
    try:
        assert webhook_post(url=server.url, body=b"{}", headers={}, timeout=10, max_response_bytes=4096) == 200
        wait_for(lambda: server.connections and server.connections[0]["closed"], timeout=10, what="the close")
        assert server.connections[0]["sent"] < 50 * 1024 * 1024  # the client hung up long before the end
    finally:
        server.close()


@pytest.mark.parametrize("url", ["http://hooks.example.com:8080/x", "https://hooks.example.com:22/x",
                                 "http://[2606:2800:220:1::1]:6379/x"])
def test_ports_other_than_80_and_443_are_refused_by_default(settings, url):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE = True  # no DNS needed: the port alone decides
    with pytest.raises(ApplicationError, match="port .* is not allowed for webhooks"):
        webhook_url_validate(url)
    with pytest.raises(WebhookTargetRefused, match="not allowed"):
        webhook_post(url=url, body=b"{}", headers={}, timeout=1)
    settings.ISAMURAI_WEBHOOK_PORTS = ["80", "443", "8080", "22", "6379"]
    assert webhook_url_validate(url) == url


@pytest.mark.parametrize("address", [
    "2002:7f00:1::1", "2002:a00:1::", "2002:5db8:d822::1",  # 6to4 (even of a public IPv4 address)
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1",  # Teredo
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::5db8:d822", "64:ff9b:1::a00:1",  # NAT64
    "::7f00:1", "::ffff:7f00:1", "0:0:0:0:0:ffff:127.0.0.1", "::ffff:0:a00:1",  # compatible / mapped / SIIT
    "fec0::1", "fc00::1", "fd12:3456::1", "100::1", "2001:db8::1", "ff05::1", "fe80::1%1", "::",
])
def test_ipv6_forms_that_reach_private_or_unknown_ipv4_hosts_are_not_public(address):
    assert ip_is_public(address) is False


def test_a_name_resolving_to_6to4_is_refused_at_send(monkeypatch, settings):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE = False
    answer = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2002:7f00:1::1", 443, 0, 0))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answer)
    with pytest.raises(WebhookTargetRefused, match="private address"):
        webhook_address_resolve("hooks.example.test", 443)


def test_deliveries_have_their_own_queue_and_time_limits(settings):
    from apps.ops.tasks import webhook_deliver_task

    assert settings.CELERY_TASK_ROUTES["webhooks.deliver"] == {"queue": "webhooks"}
    assert webhook_deliver_task.time_limit > webhook_deliver_task.soft_time_limit > DEADLINE


# --- With a real worker: dripping receivers do not stall the fast queue ----------------------

@pytest.fixture(scope="module")
def webhook_worker(django_db_setup, django_db_blocker, security_models_dir):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(security_models_dir), "ISAMURAI_WEBHOOK_ALLOW_PRIVATE": "1",
                       "ISAMURAI_WEBHOOK_PORTS": "*", "ISAMURAI_WEBHOOK_TIMEOUT_SECONDS": str(DEADLINE),
                       "ISAMURAI_WEBHOOK_MAX_ATTEMPTS": "1", "ISAMURAI_CONTENT_POLICY": "off"})
    yield pool(concurrency=2)
    pool.stop_all()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_dripping_receivers_do_not_stall_previews_or_analyse_frame(webhook_worker, make_user, settings, testdata,
                                                                   honest_clips):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE, settings.ISAMURAI_WEBHOOK_PORTS = True, ["*"]
    user, key = make_user(credits=50)
    client: Client = api(key)
    server = DripServer("status", interval=1.0)
    try:
        jobs = []
        for _ in range(3):  # more slow deliveries than the worker has processes
            with open(honest_clips["mp4"], "rb") as clip:
                response = client.post("/api/slowmotion/", {"source_video": clip, "slowdown_factor": "2",
                                                            "quality": "480p", "mode": "fps",
                                                            "webhook_url": server.url})
            assert response.status_code == 201, response.content
            jobs.append(response.json()["slowmotion"]["id"])
        for job_id in jobs:
            webhook_enqueue(job_id=job_id)
        wait_for(lambda: len(server.connections) >= 2, timeout=30, what="the deliveries to connect")
        photo = testdata / "images" / "obama.jpg"
        analysed = client.post("/api/analyse-frame/", {"target_image_base64": b64(photo)},
                               content_type="application/json")
        assert analysed.status_code == 200, analysed.content
        preview = client.post("/api/preview-swap-api/", {"source_image_base64": b64(photo),
                                                         "target_image_base64": b64(testdata / "images" / "biden.jpg")},
                              content_type="application/json")
        assert preview.status_code in (200, 400), preview.content  # answered (a stand-in may find no face)
        wait_for(lambda: WebhookDelivery.objects.filter(job_id__in=jobs, status="failed").count() == 3,
                 timeout=60, what="every attempt to end")
        for delivery in WebhookDelivery.objects.filter(job_id__in=jobs):
            assert f"within {DEADLINE:g} s" in delivery.last_error and delivery.attempts == 1
        for record in server.connections:  # each connection was dropped by the sender's deadline
            wait_for(lambda record=record: record["closed"], timeout=10, what="the receiver to see the close")
            assert record["closed"] - record["opened"] < DEADLINE + 3
    finally:
        server.close()
