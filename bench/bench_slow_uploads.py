"""Slow uploaders must not starve other clients: `GET /api/user-credits/` latency while 16 clients
trickle multipart bodies, through the README's run command (scripts/serve.sh: threaded gunicorn
workers), against the previous sync-worker command in the same run (the baseline).

    .venv/bin/python -m bench.bench_slow_uploads [--uploaders 16] [--seconds 15]

Both servers run on loopback with the embedded defaults (SQLite, no Celery worker) and the same
number of gunicorn processes (ISAMURAI_WEB_WORKERS, 2). A request that takes longer than
--timeout counts at that timeout. Target: p99 < 100 ms with the README command.
"""
import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
BOUNDARY = "benchslowupload"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(ISAMURAI_DATA_DIR=str(data_dir), ISAMURAI_BIND=f"127.0.0.1:{port}", ISAMURAI_START_WORKER="0",
               ISAMURAI_MODELS_DIR=str(data_dir / "models"), LOG_LEVEL="WARNING")
    return env


def _start(config: str, data_dir: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = _environment(data_dir, port)
    if config == "readme":  # the README's run command, as a user starts it
        command = ["bash", "scripts/serve.sh"]
    else:  # what scripts/serve.sh ran before: sync workers, one request per process
        command = [str(REPO / ".venv" / "bin" / "gunicorn"), "isamurai_server.wsgi:application",
                   "--bind", f"127.0.0.1:{port}", "--workers", env.get("ISAMURAI_WEB_WORKERS", "2"),
                   "--timeout", "300"]
    log = open(data_dir / f"{config}.log", "wb")
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/health/", timeout=2)
            return server, port
        except requests.RequestException:
            if server.poll() is not None:
                raise RuntimeError(f"{config} server exited; see {log.name}") from None
            time.sleep(0.5)
    raise RuntimeError(f"{config} server did not start; see {log.name}")


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _slow_uploader(port: int, key: str, stop: threading.Event) -> None:
    """A multipart upload announcing 50 MB and sending 200 bytes every 0.5 s until told to stop."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"source_video\"; filename=\"v.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n").encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall((f"POST /api/slowmotion/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                          f"Authorization: Api-Key {key}\r\n"
                          f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                          f"Content-Length: {50 * 1024 * 1024}\r\n\r\n").encode() + head)
            while not stop.wait(0.5):
                sock.sendall(b"\0" * 200)
    except OSError:
        pass  # the server gave up on us: that is its right


def _measure(config: str, key: str, port: int, *, uploaders: int, seconds: float, timeout: float) -> dict:
    stop = threading.Event()
    threads = [threading.Thread(target=_slow_uploader, args=(port, key, stop), daemon=True) for _ in range(uploaders)]
    for thread in threads:
        thread.start()
        time.sleep(0.02)
    time.sleep(1.0)  # every upload is in flight
    latencies, timeouts = [], 0
    session = requests.Session()
    session.headers["Authorization"] = f"Api-Key {key}"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            response = session.get(f"http://127.0.0.1:{port}/api/user-credits/", timeout=timeout)
            assert response.status_code == 200, response.text
            latencies.append(time.perf_counter() - started)
        except requests.Timeout:
            latencies.append(timeout)
            timeouts += 1
            session = requests.Session()
            session.headers["Authorization"] = f"Api-Key {key}"
        time.sleep(0.02)
    stop.set()
    latencies.sort()
    return {
        "config": config, "requests": len(latencies), "timeouts": timeouts,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "max_ms": 1000 * latencies[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploaders", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--timeout", type=float, default=5.0, help="per user-credits request")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="isamurai-bench-slow-"))
    results = []
    key = None
    for config in ("readme", "sync-baseline"):
        server, port = _start(config, data_dir)
        try:
            if key is None:  # the README run command migrated the database; one user for both runs
                created = subprocess.run([sys.executable, "manage.py", "create_api_user", "bench", "--credits", "5"],
                                         cwd=REPO, env=_environment(data_dir, port), capture_output=True, text=True,
                                         check=True)
                key = created.stdout.strip().splitlines()[-1]
            results.append(_measure(config, key, port, uploaders=args.uploaders, seconds=args.seconds,
                                    timeout=args.timeout))
        finally:
            _stop(server)
    print(f"{args.uploaders} slow uploaders in flight; GET /api/user-credits/ for {args.seconds:g} s each "
          f"(timeout {args.timeout:g} s counts as {args.timeout * 1000:.0f} ms)")
    print(f"{'config':<16}{'requests':>9}{'timeouts':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for r in results:
        print(f"{r['config']:<16}{r['requests']:>9}{r['timeouts']:>9}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
              f"{r['max_ms']:>9.1f}")
    readme, baseline = results
    print(f"p99 ratio baseline/readme: {baseline['p99_ms'] / readme['p99_ms']:.0f}x; "
          f"README command p99 {'<' if readme['p99_ms'] < 100 else '>='} 100 ms")


if __name__ == "__main__":
    main()
