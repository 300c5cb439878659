"""A job kind is one app: the toy kind of tests/toykind (a Job subclass, a pipeline, and one
registration: tests/toykind/kind.py; installing it in tests/settings.py is the only edit outside
it) works through the API, swap-progress, stop-job, the console's list and job page, the admin,
the OpenAPI schema and webhooks, run by a real Celery worker. docs/adding-a-job-kind.md walks
through it."""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.jobs.kinds import job_kind_get
from apps.jobs.models import JobStatus
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.ops.models import WebhookDelivery
from tests.toykind.models import ToyJob
from tests.worker_process import WorkerPool, broker_purge, job_done_body, media_file, wait_for
from workers.imaging.codec import ImageDecoder

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def toy_worker(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_WEBHOOK_ALLOW_PRIVATE": "1", "ISAMURAI_WEBHOOK_BACKOFF_SECONDS": "0.3",
                       "ISAMURAI_WEBHOOK_PORTS": "*"})
    yield pool(concurrency=2)
    pool.stop_all()


class WebhookReceiver:
    """A loopback endpoint that records what it is sent."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.server.shutdown()


def test_the_toy_kind_runs_through_the_api_and_sends_its_webhook(toy_worker, make_user, receiver, settings):
    settings.ISAMURAI_WEBHOOK_ALLOW_PRIVATE, settings.ISAMURAI_WEBHOOK_PORTS = True, ["*"]  # a loopback receiver
    user, key = make_user(credits=20)
    api = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")

    created = api.post("/api/toy/", {"word": "hello", "webhook_url": receiver.url}, content_type="application/json")
    assert created.status_code == 201, created.content
    toy = created.json()["toy"]
    assert toy["word"] == "hello" and toy["credits_charged"] == 3  # its price, from its own price list
    assert credit_balance_get(user=user) == 17

    done = job_done_body(api, toy["id"])  # swap-progress answers for any kind, as the SDK polls it
    assert done["progress_percentage"] == 100 and done["multi"] is False
    image = ImageDecoder(10_000_000).decode_file(media_file(done["output_media_url"]))
    assert image.shape == (96, 128, 3)
    console = Client()
    console.force_login(user)
    page = console.get(f"/jobs/{toy['id']}/").content.decode()
    assert '<img src="' in page and 'id="output-player"' not in page  # a picture, seen from the file

    wait_for(lambda: WebhookDelivery.objects.filter(job_id=toy["id"], status="delivered").exists(),
             timeout=60, what="the toy job's webhook")
    payload = receiver.bodies[-1]
    assert payload["event"] == "job.done" and payload["type"] == "toy"
    assert payload["toy"]["id"] == toy["id"] and payload["toy"]["word"] == "hello"
    assert payload["toy"]["output_media_url"]


def test_stop_job_stops_a_running_toy_job_and_refunds_half(toy_worker, make_user):
    user, key = make_user(credits=10)
    api = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    toy = api.post("/api/toy/", {"word": "wait"}, content_type="application/json").json()["toy"]
    wait_for(lambda: ToyJob.objects.get(pk=toy["id"]).status == JobStatus.PROCESSING, timeout=60,
             what="the toy job to start")

    stopped = api.post("/api/stop-job/", {"id": toy["id"], "type": "toy"}, content_type="application/json")
    assert stopped.status_code == 200, stopped.content
    assert stopped.json()["status"] == "Cancelled" and stopped.json()["refunded_credits"] == 1
    assert api.get("/api/swap-progress/", {"id": toy["id"]}).json()["status"] == "Cancelled"
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10 - 3 + 1


def test_the_console_and_the_admin_show_the_toy_kind(toy_worker, make_user):
    user, _ = make_user(credits=10)
    console = Client()
    console.force_login(user)

    page = console.get("/new/toy/")  # the kind's own page, mounted from its spec
    assert page.status_code == 200 and b'href="/new/toy/"' in page.content  # and listed in the navigation
    submitted = console.post("/new/toy/", {"word": "console"})
    job = ToyJob.objects.get(user=user)
    assert submitted.status_code == 302 and submitted["Location"] == f"/jobs/{job.id}/"

    listing = console.get("/jobs/").content.decode()
    assert "New toy job" in listing and f'data-job-id="{job.id}"' in listing and ">Toy</a>" in listing
    assert f'data-job-id="{job.id}"' in console.get("/jobs/?kind=toy").content.decode()
    assert f'data-job-id="{job.id}"' not in console.get("/jobs/?kind=faceswap").content.decode()
    detail = console.get(f"/jobs/{job.id}/").content.decode()
    assert "<dt>Word</dt><dd>console</dd>" in detail  # the kind's detail rows, no template edit
    assert f'href="/jobs/{job.id}/"' in console.get("/profile/").content.decode()  # its charge links the job

    admin = Client()
    admin.force_login(User.objects.create_superuser("toy-admin", "admin@example.com", "pw-toy-admin-1"))
    changelist = admin.get("/admin/toykind/toyjob/")
    assert changelist.status_code == 200 and str(job.id) in changelist.content.decode()
    assert admin.get(f"/admin/toykind/toyjob/{job.id}/change/").status_code == 200


def test_the_schema_and_the_registry_know_the_toy_kind(client):
    operation = client.get("/api/schema/?format=json").json()["paths"]["/api/toy/"]["post"]
    assert {"201", "409", "413", "422", "429", "503"} <= set(operation["responses"])
    spec = job_kind_get("toy")
    assert spec.model is ToyJob and spec.prices["job"].credits() == 3


def test_no_file_outside_the_app_names_the_toy_kind():
    """The one edit outside tests/toykind is INSTALLED_APPS (tests/settings.py): no module, template,
    script or URLconf of the project names the kind (comments and docs may)."""
    repo = Path(__file__).resolve().parents[2]
    word = re.compile(r"\b(toy|toykind|ToyJob)\b")
    offenders = []
    for folder in ("apps", "workers", "isamurai_server"):
        for path in sorted((repo / folder).rglob("*")):
            if path.suffix not in (".py", ".html", ".js", ".css", ".json", ".txt") or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                code = line.split("#", 1)[0] if path.suffix == ".py" else line
                if word.search(code):
                    offenders.append(f"{path.relative_to(repo)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
    settings_lines = [line for line in (repo / "tests" / "settings.py").read_text().splitlines()
                      if "tests.toykind" in line and not line.lstrip().startswith(("#", '"'))]
    assert settings_lines == ['INSTALLED_APPS = [*INSTALLED_APPS, "tests.toykind"]']
