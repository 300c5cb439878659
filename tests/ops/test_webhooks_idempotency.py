"""Webhooks (signed, retried with backoff, recorded) and Idempotency-Key (one charge per key),
with a real worker running the test pipeline."""
import hashlib
import hmac
import json
import os
import signal
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
                       "ISAMURAI_WEBHOOK_BACKOFF_SECONDS": "0.3", "ISAMURAI_WEBHOOK_PORTS": "*"})
    yield pool(concurrency=2)
    pool.stop_all()


@pytest.fixture(autouse=True)
def _any_port(settings):
    """The loopback receiver listens on a free high port; production allows 80 and 443 only."""
    settings.ISAMURAI_WEBHOOK_PORTS = ["*"]


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
    assert other_path.status_code == 422 and "already used for POST /api/slowmotion/" in other_path.json()["error"]


def test_failed_request_frees_its_idempotency_key(make_user, clip):
    user, key = make_user(credits=50)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    bad = _create(client, clip, slowdown_factor="3", HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    good = _create(client, clip, HTTP_IDEMPOTENCY_KEY="k")
    assert good.status_code == 201 and "Idempotent-Replayed" not in good


def test_same_key_with_another_body_is_422_naming_the_fields(make_user, clip, tmp_path):
    user, key = make_user(credits=50)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    first = _create(client, clip, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201
    same = _create(client, clip, HTTP_IDEMPOTENCY_KEY="k1")  # a new multipart boundary, the same request
    assert same.status_code == 201 and same["Idempotent-Replayed"] == "true"
    other = _create(client, clip, slowdown_factor="4", HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 422
    body = other.json()
    assert body["success"] is False and "slowdown_factor" in body["error"] and "different request" in body["error"]
    assert list(body["details"]) == ["slowdown_factor"]
    shorter = tmp_path / "shorter.mp4"
    shorter.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])  # another file under the same name
    other_file = _create(client, shorter, HTTP_IDEMPOTENCY_KEY="k1")
    assert other_file.status_code == 422 and list(other_file.json()["details"]) == ["source_video"]
    assert Job.objects.filter(user=user).count() == 1
    assert credit_balance_get(user=user) == 50


def _request_killed_mid_way(client: Client, clip, key: str) -> None:
    """Sends the upload in a forked copy of this process that is SIGKILLed inside the view, after
    the key is claimed: exactly what a web worker killed mid-request leaves behind."""
    from django.db import connections

    import apps.slowmotion.apis

    pid = os.fork()
    if pid == 0:
        connections["default"].connection = None  # a fresh connection; the parent's socket stays its own
        apps.slowmotion.apis.slowmotion_project_create = lambda **kwargs: os.kill(os.getpid(), signal.SIGKILL)
        _create(client, clip, HTTP_IDEMPOTENCY_KEY=key)
        os._exit(3)  # not reached
    _, exit_status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(exit_status) and os.WTERMSIG(exit_status) == signal.SIGKILL


def test_a_key_left_processing_by_a_killed_worker_is_freed_after_its_lease(make_user, clip, settings):
    """Within the lease a retry is told to wait (409); past it, the retry goes through, once."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.models import IdempotencyRecord

    user, key = make_user(credits=50)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    _request_killed_mid_way(client, clip, "dead")
    record = IdempotencyRecord.objects.get(user=user, key="dead")
    assert record.state == "processing" and not Job.objects.filter(user=user).exists()
    held = _create(client, clip, HTTP_IDEMPOTENCY_KEY="dead")
    assert held.status_code == 409 and "still being processed" in held.json()["error"]
    # The lease (ISAMURAI_IDEMPOTENCY_LEASE_SECONDS, past gunicorn's timeout) runs out.
    IdempotencyRecord.objects.filter(pk=record.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    retry = _create(client, clip, HTTP_IDEMPOTENCY_KEY="dead")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    again = _create(client, clip, HTTP_IDEMPOTENCY_KEY="dead")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == retry.json()
    assert Job.objects.filter(user=user).count() == 1
    record.refresh_from_db()
    assert record.state == "done" and record.response_body["slowmotion"]["id"] == retry.json()["slowmotion"]["id"]


def test_a_key_whose_lease_ran_out_goes_to_one_retry_only(make_user, clip, settings):
    """Two retries racing for a dead request's key: one takes it over, the other waits (409)."""
    settings.ISAMURAI_IDEMPOTENCY_LEASE_SECONDS = 0
    user, key = make_user(credits=50)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    _request_killed_mid_way(client, clip, "race")
    from apps.core.idempotency import _take_over
    from apps.core.models import IdempotencyRecord

    stale = IdempotencyRecord.objects.get(user=user, key="race")
    settings.ISAMURAI_IDEMPOTENCY_LEASE_SECONDS = 330
    assert _take_over(IdempotencyRecord.objects.get(pk=stale.pk), stale.request_fingerprint) is not None
    assert _take_over(stale, stale.request_fingerprint) is None  # the loser saw the old lease
