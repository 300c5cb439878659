"""Webhook DNS rebinding: the target's name is resolved once at send, every answer must be public,
and the POST goes to exactly that address with the URL's Host header, following no redirect.
Only loopback servers are used; the resolver's answers are scripted per call (a name that is public
at submit and private at send)."""
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.test import Client

from apps.ops.models import WebhookDelivery
from apps.ops.webhooks import SIGNATURE_HEADER, ip_is_public, webhook_attempt

pytestmark = pytest.mark.django_db
HOOK_HOST = "hooks.example.test"
PUBLIC = "93.184.216.34"


@pytest.fixture(autouse=True)
def _any_port(settings):
    """The loopback receivers listen on free high ports; production allows 80 and 443 only."""
    settings.ISAMURAI_WEBHOOK_PORTS = ["*"]


class Receiver:
    """A loopback HTTP endpoint recording each request; answers `status` (with `location`)."""

    def __init__(self, status: int = 200, location: str = "", tls: tuple[Path, Path] | None = None) -> None:
        self.calls: list[dict] = []
        self.server_names: list[str | None] = []  # TLS SNI, as each client sent it
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(dict(self.headers))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def network(monkeypatch):
    """Scripted DNS answers for HOOK_HOST (one per call, the last repeats) and a log of every TCP
    connect this process makes."""
    real_getaddrinfo = socket.getaddrinfo
    state = {"answers": [], "lookups": 0, "connects": []}

    def getaddrinfo(host, port, *args, **kwargs):
        if host != HOOK_HOST:
            return real_getaddrinfo(host, port, *args, **kwargs)
        answer = state["answers"][min(state["lookups"], len(state["answers"]) - 1)]
        state["lookups"] += 1
        family = socket.AF_INET6 if ":" in answer else socket.AF_INET
        address = (answer, port or 0, 0, 0) if family == socket.AF_INET6 else (answer, port or 0)
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]

    real_connect = socket.socket.connect

    def connect(sock, address):
        state["connects"].append(address[:2])
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return state


def _job_with_webhook(make_user, testdata, url: str):
    """A slow motion project submitted with `url` as its webhook (the submit-time check runs)."""
    _, key = make_user(credits=10)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    with open(testdata / "videos" / "liveportrait_d0.mp4", "rb") as video:
        response = client.post("/api/slowmotion/", {"source_video": video, "slowdown_factor": "2",
                                                    "quality": "480p", "mode": "fps", "webhook_url": url})
    assert response.status_code == 201, response.content
    return response.json()["slowmotion"]["id"]


def _delivery(job_id: str, url: str) -> WebhookDelivery:
    return WebhookDelivery.objects.create(job_id=job_id, url=url, event="job.done",
                                          payload={"event": "job.done", "id": job_id})


@pytest.mark.parametrize("rebound_to", ["127.0.0.1", "169.254.169.254", "::ffff:127.0.0.1", "::1", "10.1.2.3",
                                        "fe80::1", "224.0.0.1", "0.0.0.0", "100.64.0.1", "::ffff:169.254.169.254"])
def test_a_name_rebound_to_a_private_address_at_send_gets_no_connection(network, make_user, testdata, settings,
                                                                        rebound_to):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE = False
    receiver = Receiver()
    url = f"http://{HOOK_HOST}:{receiver.port}/hook"
    try:
        network["answers"] = [PUBLIC, rebound_to]  # public when submitted, private when sent
        job_id = _job_with_webhook(make_user, testdata, url)
        assert network["lookups"] == 1
        network["connects"].clear()
        delivery = _delivery(job_id, url)
        assert webhook_attempt(delivery_id=delivery.id) is False  # not delivered: retried, then failed
        delivery.refresh_from_db()
        assert "private address" in delivery.last_error and rebound_to in delivery.last_error
        assert delivery.status == WebhookDelivery.Status.PENDING and delivery.last_status_code is None
        assert network["connects"] == [] and receiver.calls == []
    finally:
        receiver.close()


def test_the_post_goes_to_the_one_resolved_address_with_the_original_host(network, make_user, testdata,
                                                                          settings):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE = True  # the loopback receiver stands in for a public host
    receiver = Receiver()
    url = f"http://{HOOK_HOST}:{receiver.port}/hook?tenant=7"
    try:
        job_id = _job_with_webhook(make_user, testdata, url)
        # The first answer at send is the receiver; any later lookup would get a closed address.
        network["answers"], network["lookups"] = ["127.0.0.1", "127.0.0.2"], 0
        network["connects"].clear()
        delivery = _delivery(job_id, url)
        assert webhook_attempt(delivery_id=delivery.id) is True
        assert network["lookups"] == 1
        assert network["connects"] == [("127.0.0.1", receiver.port)]
        [headers] = receiver.calls
        assert headers["Host"] == f"{HOOK_HOST}:{receiver.port}"
        assert headers[SIGNATURE_HEADER].startswith("t=")
        delivery.refresh_from_db()
        assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.last_status_code == 200
    finally:
        receiver.close()


def test_a_redirect_is_not_followed(network, make_user, testdata, settings):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE = True
    inner = Receiver()
    outer = Receiver(status=307, location=f"http://127.0.0.1:{inner.port}/internal")
    url = f"http://{HOOK_HOST}:{outer.port}/hook"
    try:
        network["answers"] = ["127.0.0.1"]
        delivery = _delivery(_job_with_webhook(make_user, testdata, url), url)
        assert webhook_attempt(delivery_id=delivery.id) is False
        delivery.refresh_from_db()
        assert delivery.last_status_code == 307 and delivery.status == WebhookDelivery.Status.PENDING
        assert len(outer.calls) == 1 and inner.calls == []
    finally:
        inner.close()
        outer.close()


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    """A throwaway CA and certificates it signed for HOOK_HOST and for another name."""
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=isamurai test CA")
    for name in (HOOK_HOST, "other.example.test"):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN={name}")
        (folder / f"{name}.ext").write_text(f"subjectAltName=DNS:{name}\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    return folder


@pytest.mark.parametrize("certificate_name,delivered", [(HOOK_HOST, True), ("other.example.test", False)])
def test_https_is_pinned_to_the_address_and_verified_against_the_name(network, make_user, testdata, settings,
                                                                      monkeypatch, certificates,
                                                                      certificate_name, delivered):
    """Connecting to the resolved address keeps TLS honest: the URL's name goes out as SNI and the
    certificate must be valid for it (a certificate for another name is refused)."""
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE = True
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "ca.pem"))  # trust the test CA only
    receiver = Receiver(tls=(certificates / f"{certificate_name}.pem", certificates / f"{certificate_name}.key"))
    url = f"https://{HOOK_HOST}:{receiver.port}/hook"
    try:
        network["answers"] = ["127.0.0.1"]
        delivery = _delivery(_job_with_webhook(make_user, testdata, url), url)
        network["connects"].clear()
        assert webhook_attempt(delivery_id=delivery.id) is delivered
        assert network["connects"] == [("127.0.0.1", receiver.port)]
        assert receiver.server_names == [HOOK_HOST]
        delivery.refresh_from_db()
        if delivered:
            [headers] = receiver.calls
            assert headers["Host"] == f"{HOOK_HOST}:{receiver.port}"
            assert delivery.status == WebhookDelivery.Status.DELIVERED
        else:
            assert receiver.calls == [] and "doesn't match 'other.example.test'" in delivery.last_error
            assert delivery.status == WebhookDelivery.Status.PENDING
    finally:
        receiver.close()


@pytest.mark.parametrize("address,public", [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True), ("127.0.0.1", False),
    ("10.0.0.1", False), ("172.16.0.1", False), ("192.168.1.1", False), ("169.254.169.254", False),
    ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False), ("240.0.0.1", False),
    ("255.255.255.255", False), ("::1", False), ("::", False), ("fe80::1%eth0", False), ("fc00::1", False),
    ("ff02::1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("::ffff:93.184.216.34", True),
])
def test_which_addresses_count_as_public(address, public):
    assert ip_is_public(address) is public
