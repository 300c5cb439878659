"""Issue #20, items 8 and 10: the documented production environment passes `check --deploy`
without a warning, TLS settings come from the environment, and the generated secret key is never
readable by others, not even for a moment."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

REPO = Path(__file__).resolve().parents[2]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("SECURE_", "SESSION_", "CSRF_")) and name not in ("SECRET_KEY", "DEBUG")}
    env.update(PYTHON=sys.executable, **extra)
    return env


def test_check_deploy_is_clean_with_the_documented_environment():
    result = subprocess.run(["bash", str(REPO / "scripts" / "check_deploy.sh")], cwd=REPO, env=_clean_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "security.W" not in result.stdout + result.stderr


def test_check_deploy_warns_without_it():
    """The check above means something: the defaults (plain HTTP, a laptop) do warn."""
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=REPO, env=_clean_env(),
                            capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output, warning


def test_ci_runs_the_deploy_check():
    assert "bash scripts/check_deploy.sh" in (REPO / ".ci" / "run").read_text()


def test_documented_environment_names_what_the_settings_read():
    documented = {line.split("=", 1)[0] for line in (REPO / "docs" / "production.env").read_text().splitlines()
                  if line and not line.startswith("#")}
    readme = (REPO / "README.md").read_text()
    assert "## Running in public" in readme and "docs/production.env" in readme
    for name in documented:
        assert name in readme, f"README's 'Running in public' should explain {name}"


@pytest.mark.django_db
def test_ssl_redirect_spares_the_probes_and_trusts_the_proxy_header(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/api/user-credits/").status_code == 301
    assert client.get("/login/")["Location"].startswith("https://")
    assert client.get("/api/health/").status_code == 200  # docker/healthcheck.py talks plain HTTP inside
    assert client.get("/metrics").status_code in (401, 403)  # not redirected, still refused
    assert client.get("/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


def test_proxy_header_can_be_turned_off():
    """Without a TLS proxy in front, a client must not be able to claim HTTPS."""
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    env = _clean_env(ISAMURAI_PROXY_SSL_HEADER="", DJANGO_SETTINGS_MODULE="isamurai_server.settings")
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "None", result.stderr


def _start_settings(data_dir: Path) -> subprocess.Popen:
    env = _clean_env(ISAMURAI_DATA_DIR=str(data_dir))
    return subprocess.Popen([sys.executable, "-c", "import isamurai_server.settings as s; print(s.SECRET_KEY)"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_secret_key_file_is_created_private_and_once(tmp_path):
    old_umask = os.umask(0)  # a permissive umask: the file must still be born 0600
    try:
        starting = [_start_settings(tmp_path) for _ in range(4)]  # processes racing at first start
        keys = {process.communicate(timeout=60)[0].strip() for process in starting}
    finally:
        os.umask(old_umask)
    key_file = tmp_path / "secret_key"
    assert len(keys) == 1 and keys == {key_file.read_text().strip()} and len(keys.pop()) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    before = key_file.read_text()
    assert _start_settings(tmp_path).communicate(timeout=60)[0].strip() == before.strip()  # kept, not replaced

