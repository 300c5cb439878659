"""Webhooks (signed, retried with backoff, recorded) and Idempotency-Key (one charge per key),
with a real worker running the test pipeline."""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client

from apps.jobs.models import Job
from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.ops.models import WebhookDelivery
from tests.worker_process import WorkerPool, broker_purge, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
TEST_PIPELINES = '{"faceswap": "tests.jobs.pipelines:reencode", "slowmotion": "tests.jobs.pipelines:reencode"}'


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_PIPELINES_JSON": TEST_PIPELINES, "ISAMURAI_WEBHOOK_ALLOW_PRIVATE": "1",
                       "ISAMURAI_WEBHOOK_BACKOFF_SECONDS": "0.3"})
    yield pool(concurrency=2)
    pool.stop_all()


class Receiver:
    """A local HTTP endpoint that fails its first `failures` calls, then accepts."""

    def __init__(self, failures: int) -> None:
        self.calls: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                self.send_response(500 if len(receiver.calls) <= failures else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def clip(testdata):
    return testdata / "videos" / "liveportrait_d0.mp4"


def _create(client: Client, clip, **extra):
    headers = {name: value for name, value in extra.items() if name.startswith("HTTP_")}
    fields = {name: value for name, value in extra.items() if not name.startswith("HTTP_")}
    with open(clip, "rb") as video:
        return client.post("/api/slowmotion/", {"source_video": video, "slowdown_factor": "2", "quality": "480p",
                                                "mode": "fps", **fields}, **headers)


def test_webhook_is_signed_retried_and_recorded(worker, make_user, clip, settings):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE = True
    user, key = make_user(credits=50)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    receiver = Receiver(failures=1)
    try:
        project = _create(client, clip, webhook_url=receiver.url).json()["slowmotion"]
        client.post("/api/faceswap/slowmotion/process/", {"project_id": project["id"]},
                    content_type="application/json")
        wait_for(lambda: WebhookDelivery.objects.filter(job_id=project["id"], status="delivered").exists(),
                 timeout=90, what="the webhook to be delivered")
    finally:
        receiver.close()
    delivery = WebhookDelivery.objects.get(job_id=project["id"])
    assert delivery.attempts == 2 and delivery.last_status_code == 200 and len(receiver.calls) == 2
    headers, body = receiver.calls[-1]
    payload = json.loads(body)
    assert payload["event"] == "job.done" and payload["slowmotion"]["id"] == project["id"]
    assert payload["slowmotion"]["status"] == "Done" and payload["slowmotion"]["output_media_url"]
    secret = client.get("/api/webhook-secret/").json()["webhook_secret"]
    stamp, signature = (part.split("=", 1)[1] for part in headers["X-Isamurai-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected) and abs(time.time() - int(stamp)) < 120


def test_private_webhook_urls_are_refused_by_default(make_user, clip, settings):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE = False
    user, key = make_user(credits=5)
    response = _create(Client(HTTP_AUTHORIZATION=f"Api-Key {key}"), clip, webhook_url="http://127.0.0.1:9/x")
    assert response.status_code == 400 and "private address" in response.json()["error"]
    assert not Job.objects.filter(user=user).exists()


def test_idempotent_retry_charges_once(worker, make_user, clip):
    user, key = make_user(credits=50)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    first = _create(client, clip, HTTP_IDEMPOTENCY_KEY="create-1")
    again = _create(client, clip, HTTP_IDEMPOTENCY_KEY="create-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Job.objects.filter(user=user).count() == 1
    project_id = first.json()["slowmotion"]["id"]
    responses = [client.post("/api/faceswap/slowmotion/process/", {"project_id": project_id},
                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="process-1") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert LedgerEntry.objects.filter(job_id=project_id, kind="charge").count() == 1
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 50 - first.json()["slowmotion"][
        "estimated_credits"]
    other_path = client.post("/api/faceswap/slowmotion/process/", {"project_id": project_id},
                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="create-1")
    assert other_path.status_code == 400 and "already used" in other_path.json()["error"]


def test_failed_request_frees_its_idempotency_key(make_user, clip):
    user, key = make_user(credits=50)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    bad = _create(client, clip, slowdown_factor="3", HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    good = _create(client, clip, HTTP_IDEMPOTENCY_KEY="k")
    assert good.status_code == 201 and "Idempotent-Replayed" not in good
