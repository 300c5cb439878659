"""Latency from submit to the worker starting the job, on an idle worker, against a bare Celery
task round trip in the same run (the floor the broker sets).

    .venv/bin/python -m bench.job_latency            # embedded defaults (SQLite + filesystem broker)
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python -m bench.job_latency
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "20"))


def _setup_environment() -> None:
    os.environ.setdefault("ISAMURAI_DATA_DIR", tempfile.mkdtemp(prefix="isamurai-bench-"))
    os.environ["ISAMURAI_PIPELINES_JSON"] = '{"faceswap": "bench.latency_tasks:noop_pipeline"}'
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isamurai_server.settings")
    sys.path.insert(0, str(REPO))


def _start_worker() -> subprocess.Popen:
    log = open(Path(os.environ["ISAMURAI_DATA_DIR"]) / "bench-worker.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "isamurai_server", "worker", "-Q", "gpu,fast,webhooks", "-c", "1",
         "-P", os.environ.get("BENCH_POOL", "prefork"), "-I", "bench.latency_tasks",
         "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ),
    )
    deadline = time.monotonic() + 60
    while b"ready." not in Path(log.name).read_bytes():
        if time.monotonic() > deadline or worker.poll() is not None:
            raise RuntimeError("worker did not start; see " + log.name)
        time.sleep(0.1)
    return worker


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def main() -> None:
    _setup_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.accounts.services import user_get_or_create
    from apps.jobs.models import JobStatus
    from apps.jobs.services import job_queue
    from apps.swap.models import FaceSwapJob
    from bench.latency_tasks import stamp_task

    worker = _start_worker()
    try:
        time.sleep(1.0)  # let the startup sweep pass
        baseline = []
        for _ in range(RUNS):
            sent = time.time()
            started = stamp_task.apply_async(queue="gpu", ignore_result=False).get(timeout=30)
            baseline.append(started - sent)

        user, _ = user_get_or_create(username=f"bench-{int(time.time())}")
        engine = []
        for _ in range(RUNS):
            job = FaceSwapJob.objects.create(user=user, inputs={})
            submitted = time.time()
            job_queue(job=job, price=0)
            while True:
                job.refresh_from_db(fields=["status", "started_at"])
                if job.status in (JobStatus.DONE, JobStatus.FAILED):
                    break
                time.sleep(0.01)
            engine.append(job.started_at.timestamp() - submitted)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    result = {
        "broker": settings.CELERY_BROKER_URL.split(":")[0],
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "runs": RUNS,
        "bare_celery_task_start": _summary(baseline),
        "job_submit_to_start": _summary(engine),
    }
    result["overhead_ratio_median"] = round(
        result["job_submit_to_start"]["median_ms"] / max(result["bare_celery_task_start"]["median_ms"], 0.1), 2
    )
    print(json.dumps(result, indent=2))
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"job_latency_{result['broker']}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
