"""A real Celery worker in a subprocess, against the test database and the configured broker
(Redis in CI, the embedded filesystem broker otherwise). No eager mode."""
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from apps.jobs.models import Job, JobStatus

REPO = Path(__file__).resolve().parents[1]


def _test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


class WorkerProcess:
    """`celery -A isamurai_server worker -Q gpu,fast,webhooks -B`, started and killed by tests."""

    def __init__(self, concurrency: int, hostname: str, env: dict[str, str]) -> None:
        self.concurrency, self.hostname, self.extra_env = concurrency, hostname, env
        self.process: subprocess.Popen | None = None
        self.log_path = Path(settings.DATA_DIR) / f"worker-{hostname}.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=_test_database_url(),
            ISAMURAI_JOB_HEARTBEAT_SECONDS="0.5",
            ISAMURAI_JOB_STALE_SECONDS="3",
            ISAMURAI_SWEEP_SECONDS="1",
            ISAMURAI_JOB_CANCEL_CHECK_SECONDS="0.2",
            # Presence rows are written at start and end only (the fair-queue tests beat every second):
            # a beat every few seconds raced the test database's flush between tests (a deadlock).
            ISAMURAI_WORKER_BEAT_SECONDS="3600",
            ISAMURAI_MEDIA_ROOT=str(settings.ISAMURAI_MEDIA_ROOT),
            PYTHONPATH=str(REPO),
        )
        env.update(self.extra_env)
        return env

    def start(self) -> "WorkerProcess":
        # A worker restarted under the same name appends to the same log: read only its own lines.
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        schedule = Path(settings.DATA_DIR) / f"beat-{self.hostname}-{uuid.uuid4().hex[:6]}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "isamurai_server", "worker", "-Q", "gpu,fast,webhooks",
             "-c", str(self.concurrency), "-B", "-s", str(schedule), "-n", f"{self.hostname}@%h",
             "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
            cwd=REPO, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            if b"ready." in self.log_path.read_bytes()[offset:]:
                return self
            time.sleep(0.2)
        raise RuntimeError(f"worker did not become ready:\n{self.log_path.read_text()[-3000:]}")

    def kill_hard(self) -> None:
        """kill -9 of the worker and its pool processes: a lost node."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_hard()


def media_file(url: str) -> Path:
    """The local file behind an output link (signed: ``/api/media/<path>?expires=..&signature=..``)."""
    return Path(settings.ISAMURAI_MEDIA_ROOT) / url.split("?", 1)[0].removeprefix("/api/media/")


def job_done_body(client, job_id: str, timeout: float = 150) -> dict:
    """Polls swap-progress/ as the official SDK does until the job ends; it must end Done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get("/api/swap-progress/", {"id": job_id}).json()
        if body["status"] in ("Done", "Failed", "Cancelled"):
            assert body["status"] == "Done", body
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def broker_purge() -> None:
    from isamurai_server.celery import app

    if settings.CELERY_BROKER_URL == "filesystem://":
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        return
    with app.connection_for_write() as conn:
        for queue in ("gpu", "fast", "webhooks"):
            conn.default_channel.queue_purge(queue)
        conn.default_channel.client.delete("unacked", "unacked_index")


class WorkerPool:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.started: list[WorkerProcess] = []
        self.env = env or {}

    def __call__(self, *, concurrency: int = 2, **env: str) -> WorkerProcess:
        worker = WorkerProcess(concurrency, f"w{uuid.uuid4().hex[:6]}", {**self.env, **env}).start()
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_finished(job: Job, timeout: float = 90.0) -> Job:
    def finished():
        job.refresh_from_db()
        return job.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)

    wait_for(finished, timeout=timeout, what=f"job {job.id} to finish")
    return job
