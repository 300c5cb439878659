"""The README's run command on embedded defaults (SQLite, no PostgreSQL or Redis): the docs'
curl example answers with the new user's balance."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_serve_script_on_embedded_defaults(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    port = _free_port()
    env.update(ISAMURAI_DATA_DIR=str(tmp_path / "data"), ISAMURAI_BIND=f"127.0.0.1:{port}",
               ISAMURAI_WEB_WORKERS="1", ISAMURAI_MODELS_DIR=str(tmp_path / "models"))
    server = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/api/user-credits/", timeout=5)
                break
            except requests.RequestException:  # not listening yet, or still starting up
                assert server.poll() is None, server.stdout.read().decode()
                time.sleep(0.5)
        created = subprocess.run(
            [sys.executable, "manage.py", "create_api_user", "curl-user", "--credits", "77"],
            cwd=REPO, env=env, capture_output=True, text=True, check=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        response = requests.get(f"http://127.0.0.1:{port}/api/user-credits/",
                                headers={"Authorization": f"Api-Key {key}"}, timeout=5)
        assert response.status_code == 200
        assert response.json()["user_credits"] == 77
        # The official SDK with its BASE_URL set to ".../api/" sends doubled slashes.
        doubled = requests.get(f"http://127.0.0.1:{port}/api//user-credits/",
                               headers={"Authorization": f"Api-Key {key}"}, timeout=5)
        assert doubled.status_code == 200 and doubled.json()["user_credits"] == 77
        assert (tmp_path / "data" / "db.sqlite3").exists()
        missing = requests.get(f"http://127.0.0.1:{port}/api/user-credits/", timeout=5)
        assert missing.status_code == 401 and missing.json()["success"] is False
        # Slow uploaders (more than there are web processes) trickling bodies don't block others.
        slow = []
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall((f"POST /api/slowmotion/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                          f"Authorization: Api-Key {key}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                          "Content-Length: 10000000\r\n\r\n--b\r\n").encode())
            slow.append(sock)
        try:
            time.sleep(1)
            during = requests.get(f"http://127.0.0.1:{port}/api/user-credits/",
                                  headers={"Authorization": f"Api-Key {key}"}, timeout=30)
            assert during.status_code == 200 and during.json()["user_credits"] == 77
        finally:
            for sock in slow:
                sock.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)
