"""Load test of a small cluster: N simulated users (free and paid plans) submit short slow-motion
jobs over HTTP for a bounded time against a web process and 2 worker processes, each with its
own media root, sharing only PostgreSQL, Redis and an S3 bucket (moto's standalone server on
loopback). Reports throughput, the wait (queued -> started) p50/p99 per priority, and checks
that every job ended exactly once (one charge, at most one refund, one attempt) and that every
user's balance equals the sum of their ledger.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python -m bench.bench_cluster
    BENCH_USERS=8 BENCH_PAID=2 BENCH_SECONDS=60 BENCH_BACKLOG=2 ...   (the defaults)

The database named by DATABASE_URL is migrated and gains bench users (bench-<run>-<n>); use a
scratch one. The broker's `gpu` and `fast` lists are purged first.
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import boto3
import requests
from moto.server import ThreadedMotoServer

REPO = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("BENCH_USERS", "8"))
PAID = int(os.environ.get("BENCH_PAID", "2"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "2"))  # jobs a user keeps waiting at once
DRAIN_SECONDS = float(os.environ.get("BENCH_DRAIN_SECONDS", "300"))
CLIP = Path(os.environ.get("ISAMURAI_TESTDATA", REPO / "tests" / "data")) / "videos" / "liveportrait_d0.mp4"
BUCKET = "isamurai-bench"
PRIORITIES = {"bench-free": 0, "bench-paid": 10}
# The baseline, in the same run: every plan at one priority (round-robin between users only).
BASELINE = {"bench-free": 0, "bench-paid": 0}
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


class Cluster:
    """The processes of the run: moto S3, a gunicorn web process, two Celery workers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.processes: list[subprocess.Popen] = []
        self.env: dict[str, str] = {}

    def start(self) -> str:
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=BUCKET)
        self.env = {**os.environ, **S3_ENV, "ISAMURAI_S3_BUCKET": BUCKET, "ISAMURAI_S3_ENDPOINT_URL": endpoint,
                    "ISAMURAI_S3_REGION": "us-east-1", "PYTHONPATH": str(REPO),
                    "ISAMURAI_CONTENT_POLICY": "off", "ISAMURAI_THROTTLE_READ": "100000/min",
                    "ISAMURAI_THROTTLE_CHARGE": "100000/min", "ISAMURAI_WORKER_BEAT_SECONDS": "2"}
        for name in ("w1", "w2"):
            media = self.root / f"media-{name}"
            media.mkdir()
            log = self.root / f"{name}.log"
            args = [sys.executable, "-m", "celery", "-A", "isamurai_server", "worker", "-Q", "gpu,fast", "-c", "1",
                    "-n", f"{name}@%h", "--without-mingle", "--without-gossip", "--loglevel", "INFO"]
            if name == "w1":  # one scheduler for the sweeper
                args += ["-B", "-s", str(self.root / "beat-schedule")]
            self.processes.append(subprocess.Popen(
                args, cwd=REPO, env={**self.env, "ISAMURAI_MEDIA_ROOT": str(media)},
                stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True))
            _wait_ready(lambda log=log: b"ready." in log.read_bytes(), f"worker {name}")
        port = _free_port()
        web_media = self.root / "media-web"
        web_media.mkdir()
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "isamurai_server.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
             "--timeout", "120"],
            cwd=REPO, env={**self.env, "ISAMURAI_MEDIA_ROOT": str(web_media)},
            stdout=open(self.root / "web.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True))
        base = f"http://127.0.0.1:{port}"

        def web_up() -> bool:
            try:
                return requests.get(f"{base}/api/health/", timeout=2).status_code in (200, 503)
            except requests.RequestException:
                return False

        _wait_ready(web_up, "the web process")
        return base

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
        self.moto.stop()


def _simulated_user(base: str, key: str, stop_at: float, submitted: list, errors: list) -> None:
    """Keeps BACKLOG jobs waiting until stop_at, then stops submitting."""
    session = requests.Session()
    session.headers["Authorization"] = f"Api-Key {key}"
    outstanding: list[str] = []
    while time.monotonic() < stop_at:
        while len(outstanding) < BACKLOG and time.monotonic() < stop_at:
            with open(CLIP, "rb") as video:
                made = session.post(f"{base}/api/slowmotion/", files={"source_video": video},
                                    data={"slowdown_factor": "2", "quality": "480p", "mode": "fps"}, timeout=60)
            if made.status_code not in (200, 201):
                errors.append(f"create {made.status_code}: {made.text[:200]}")
                return
            project_id = made.json()["slowmotion"]["id"]
            started = session.post(f"{base}/api/faceswap/slowmotion/process/", json={"project_id": project_id},
                                   timeout=60)
            if started.status_code not in (200, 201):
                errors.append(f"process {started.status_code}: {started.text[:200]}")
                return
            outstanding.append(project_id)
            submitted.append(project_id)
        time.sleep(0.5)
        still = []
        for project_id in outstanding:
            body = session.get(f"{base}/api/faceswap/slowmotion/progress/{project_id}/", timeout=30).json()
            if body["status"] not in ("Done", "Failed", "Cancelled"):
                still.append(project_id)
        outstanding = still


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _phase(name: str, priorities: dict[str, int]) -> dict:
    """One load run against a fresh cluster whose plans have `priorities`."""
    from apps.accounts.models import Plan
    from apps.accounts.services import api_key_create, user_get_or_create
    from apps.jobs.models import Job, JobStatus
    from apps.ledger.models import LedgerEntry
    from apps.ledger.selectors import credit_balance_get, ledger_sum_get
    from apps.ledger.services import credits_grant
    from isamurai_server.celery import app

    with app.connection_for_write() as conn:
        for queue in ("gpu", "fast"):
            conn.default_channel.queue_purge(queue)
    root = Path(tempfile.mkdtemp(prefix=f"isamurai-bench-cluster-{name}-"))
    run = uuid.uuid4().hex[:6]
    users = []
    for n in range(USERS):
        plan = "bench-paid" if n < PAID else "bench-free"
        user, _ = user_get_or_create(username=f"bench-{run}-{n}", plan_name=plan)
        credits_grant(user=user, amount=10_000, note="bench")
        users.append((user, api_key_create(user=user)[1], plan))
    for plan, priority in priorities.items():  # the plans' queue priority, read when a job is queued
        Plan.objects.filter(name=plan).update(queue_priority=priority)

    cluster = Cluster(root)
    jobs = Job.objects.filter(user__in=[user for user, _, _ in users])
    try:
        base = cluster.start()
        submitted: list[str] = []
        errors: list[str] = []
        began = time.monotonic()
        stop_at = began + SECONDS
        threads = [threading.Thread(target=_simulated_user, args=(base, key, stop_at, submitted, errors))
                   for _, key, _ in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        drain_deadline = time.monotonic() + DRAIN_SECONDS
        while jobs.filter(status__in=(JobStatus.QUEUED, JobStatus.PROCESSING)).exists():
            if time.monotonic() > drain_deadline:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - began
    finally:
        cluster.stop()

    plan_of = {user.pk: plan for user, _, plan in users}
    rows = list(jobs.values("id", "user_id", "status", "queue_priority", "queued_at", "started_at", "finished_at",
                            "attempts", "worker"))
    waits: dict[str, list[float]] = {}
    for row in rows:
        if row["started_at"] and row["queued_at"]:
            waits.setdefault(plan_of[row["user_id"]], []).append((row["started_at"] - row["queued_at"]).total_seconds())
    done = [row for row in rows if row["status"] == JobStatus.DONE]
    ended = [row for row in rows if row["status"] in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)]
    charges: dict[str, int] = {}
    refunds: dict[str, int] = {}
    for entry in LedgerEntry.objects.filter(job_id__in=[row["id"] for row in rows]).values("job_id", "kind"):
        counter = charges if entry["kind"] == "charge" else refunds
        counter[str(entry["job_id"])] = counter.get(str(entry["job_id"]), 0) + 1
    exactly_once = (
        len(ended) == len(rows)
        and all(charges.get(str(row["id"])) == 1 for row in rows)
        and all(refunds.get(str(row["id"]), 0) <= 1 for row in rows)
        and all(row["attempts"] == 1 and row["finished_at"] for row in ended)
    )
    balanced = all(credit_balance_get(user=user) == ledger_sum_get(user=user) for user, _, _ in users)
    first_queued = min((row["queued_at"] for row in rows if row["queued_at"]), default=None)
    last_finished = max((row["finished_at"] for row in done), default=None)
    busy = (last_finished - first_queued).total_seconds() if first_queued and last_finished else float("nan")
    worker_processes = {row["worker"] for row in done}  # host:pid of each pool process that ran a job
    report = {
        "priorities": priorities, "jobs_submitted": len(submitted), "jobs": len(rows), "done": len(done),
        "failed": sum(row["status"] == JobStatus.FAILED for row in rows), "submit_errors": errors[:3],
        "throughput_jobs_per_min": round(len(done) / busy * 60, 2) if done else 0.0,
        "wait_seconds": {
            f"{plan} (priority {priorities[plan]})": {
                "n": len(values), "p50": round(_percentile(values, 0.5), 2),
                "p99": round(_percentile(values, 0.99), 2), "mean": round(statistics.fmean(values), 2)}
            for plan, values in sorted(waits.items(), reverse=True)
        },
        "worker_processes_used": len(worker_processes), "ended_exactly_once": exactly_once,
        "ledger_balanced": balanced, "wall_seconds": round(elapsed, 1), "logs": str(root),
    }
    if exactly_once and balanced and not errors:
        shutil.rmtree(root, ignore_errors=True)
    return report


def main() -> dict:
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        sys.exit("bench_cluster needs DATABASE_URL (PostgreSQL) and REDIS_URL: a cluster shares them")
    os.environ.setdefault("ISAMURAI_DATA_DIR", tempfile.mkdtemp(prefix="isamurai-bench-data-"))
    os.environ["ISAMURAI_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="isamurai-bench-media-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isamurai_server.settings")
    sys.path.insert(0, str(REPO))
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=REPO, check=True)
    import django

    django.setup()
    fair = _phase("fair", PRIORITIES)
    baseline = _phase("baseline", BASELINE)
    paid_p50 = [phase["wait_seconds"].get(next((k for k in phase["wait_seconds"] if k.startswith("bench-paid")), ""),
                                          {}).get("p50") for phase in (fair, baseline)]
    report = {
        "users": USERS, "paid_users": PAID, "submit_seconds": SECONDS, "backlog_per_user": BACKLOG,
        "storage": "S3 (moto standalone, loopback); web and 2 workers on separate media roots",
        "fair_queue": fair, "baseline_one_priority": baseline,
        "paid_wait_p50_ratio_fair_over_baseline": (round(paid_p50[0] / paid_p50[1], 3)
                                                   if all(paid_p50) else None),
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
