"""A loopback HTTP server that answers the Stripe API calls this server makes, as Stripe does:
form-encoded requests with a Bearer key in, the JSON objects Stripe returns out (customers.create,
checkout.sessions.create, billing_portal.sessions.create, subscriptions cancel), a request
repeated with the same Idempotency-Key answered as the first time. It records every request, and
serves the Checkout and Portal pages its session URLs point at (a browser test lands there).

Also: `stripe_signature`, the Stripe-Signature header exactly as Stripe computes it, and
`stripe_event`, an event envelope as Stripe posts it to a webhook endpoint."""
import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2026-10-28.endive"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]  # the form body (or query), Stripe's bracketed keys as they came


@dataclass
class FakeStripe:
    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    _idempotent: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def calls(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test{next(self._ids):06d}"


def _nested(params: dict[str, str], prefix: str) -> dict[str, str]:
    """{'metadata[user_id]': '1'} -> {'user_id': '1'} for prefix 'metadata'."""
    start = prefix + "["
    return {key[len(start):-1]: value for key, value in params.items()
            if key.startswith(start) and key.endswith("]") and "][" not in key[len(start):]}


def _answer(fake: FakeStripe, method: str, path: str, params: dict[str, str]) -> tuple[int, dict]:
    now = int(time.time())
    if method == "POST" and path == "/v1/customers":
        customer = {"id": fake.new_id("cus"), "object": "customer", "created": now, "livemode": False,
                    "email": params.get("email"), "name": params.get("name"),
                    "metadata": _nested(params, "metadata")}
        fake.objects[customer["id"]] = customer
        return 200, customer
    if method == "POST" and path == "/v1/checkout/sessions":
        if "mode" not in params or "success_url" not in params:
            return 400, {"error": {"type": "invalid_request_error", "message": "Missing required param: mode."}}
        session_id = fake.new_id("cs")
        session = {
            "id": session_id, "object": "checkout.session", "created": now, "livemode": False,
            "mode": params["mode"], "status": "open", "payment_status": "unpaid",
            "customer": params.get("customer"), "client_reference_id": params.get("client_reference_id"),
            "metadata": _nested(params, "metadata"), "currency": params.get("line_items[0][price_data][currency]"),
            "amount_total": int(params.get("line_items[0][price_data][unit_amount]", "0") or 0),
            "success_url": params["success_url"], "cancel_url": params.get("cancel_url"),
            "payment_intent": None, "subscription": None, "url": f"{fake.url}/c/pay/{session_id}",
        }
        fake.objects[session_id] = session
        return 200, session
    if method == "POST" and path == "/v1/billing_portal/sessions":
        if not params.get("customer"):
            return 400, {"error": {"type": "invalid_request_error", "message": "Missing required param: customer."}}
        portal_id = fake.new_id("bps")
        return 200, {"id": portal_id, "object": "billing_portal.session", "created": now, "livemode": False,
                     "customer": params["customer"], "return_url": params.get("return_url"),
                     "url": f"{fake.url}/p/session/{portal_id}"}
    if method == "DELETE" and path.startswith("/v1/subscriptions/"):
        subscription_id = path.rsplit("/", 1)[1]
        return 200, {"id": subscription_id, "object": "subscription", "status": "canceled",
                     "canceled_at": now, "ended_at": now}
    return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method} {path})."}}


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else parts.query
            params = dict(parse_qsl(body, keep_blank_values=True))
            if parts.path.startswith(("/c/pay/", "/p/session/")):  # the pages a browser is sent to
                page = (f"<!doctype html><title>Stripe test page</title><h1 id='stripe-page'>{parts.path}</h1>")
                self._send(200, page.encode(), "text/html")
                return
            fake.requests.append(RecordedRequest(self.command, parts.path, dict(self.headers.items()), params))
            if not (self.headers.get("Authorization") or "").startswith("Bearer sk_"):
                self._json(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}})
                return
            key = self.headers.get("Idempotency-Key")
            if key and key in fake._idempotent:
                self._json(*fake._idempotent[key])
                return
            status, answer = _answer(fake, self.command, parts.path, params)
            if key and self.command == "POST":
                fake._idempotent[key] = (status, answer)
            self._json(status, answer)

        do_GET = do_POST = do_DELETE = _serve

        def _json(self, status: int, answer: dict) -> None:
            self._send(status, json.dumps(answer).encode(), "application/json",
                       {"Request-Id": f"req_{next(fake._ids)}", "Stripe-Version": API_VERSION})

        def _send(self, status: int, data: bytes, content_type: str, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            return

    return Handler


class FakeStripeServer:
    def __init__(self) -> None:
        self.fake = FakeStripe()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.fake.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeStripe:
        self._thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def stripe_signature(*, payload: str, secret: str, timestamp: int | None = None) -> str:
    """Stripe-Signature as Stripe sends it: t=<unix time>,v1=hex HMAC-SHA256(secret, "<t>.<payload>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


_event_ids = itertools.count(1)


def stripe_event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {"id": event_id or f"evt_test{next(_event_ids):06d}{int(time.time() * 1000) % 100000}",
            "object": "event", "api_version": API_VERSION, "created": int(time.time()), "livemode": False,
            "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}, "type": event_type,
            "data": {"object": obj}}
