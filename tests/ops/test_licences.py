"""Model licences: the manifest says whether each model may be used commercially, GET models/
lists every model (free) with whether it is installed and usable in this mode, and a process
started with ISAMURAI_COMMERCIAL=true says which models it won't run and what needs them."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.standin_models import write_standins
from workers.model_zoo.manifest import DEFAULT_MANIFEST_PATH, ManifestError, ModelManifest

REPO = Path(__file__).resolve().parents[2]


def test_every_manifest_entry_states_its_licence_and_commercial_use():
    raw = json.loads(DEFAULT_MANIFEST_PATH.read_text())["models"]
    assert raw and all(isinstance(entry.get("commercial_use"), bool) and entry["license"] for entry in raw)
    manifest = ModelManifest.load()
    # InsightFace's pretrained packs are for non-commercial research only; RIFE is MIT.
    for name in ("det_10g", "w600k_r50", "inswapper_128"):
        assert manifest.get(name).commercial_use is False and "non-commercial" in manifest.get(name).license
    assert manifest.get("rife_4.9").commercial_use is True


def test_commercial_use_must_be_a_boolean():
    entry = {"name": "m", "file": "m.onnx", "urls": ["https://example.com/m.onnx"], "license": "MIT",
             "commercial_use": "yes"}
    with pytest.raises(ManifestError, match="commercial_use"):
        ModelManifest.from_dict({"models": [entry]})
    entry.pop("commercial_use")
    assert ModelManifest.from_dict({"models": [entry]}).get("m").commercial_use is False  # unknown: no


@pytest.mark.django_db
def test_models_endpoint_lists_every_model_for_free(api_client, make_user, settings, tmp_path):
    write_standins(tmp_path, names=["det_10g", "rife_4.9"])
    settings.ISAMURAI_MODELS_DIR = tmp_path
    user, key = make_user(credits=3)
    assert api_client.get("/api/models/").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    response = api_client.get("/api/models")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["commercial"] is False
    listed = {model["name"]: model for model in body["models"]}
    assert set(listed) == set(ModelManifest.load().names)
    assert {name for name, model in listed.items() if model["installed"]} == {"det_10g", "rife_4.9"}
    assert {name for name, model in listed.items() if model["usable"]} == {"det_10g", "rife_4.9"}
    assert listed["det_10g"]["commercial_use"] is False and "non-commercial" in listed["det_10g"]["license"]
    assert listed["rife_4.9"]["commercial_use"] is True and listed["rife_4.9"]["license"].startswith("MIT")
    assert listed["det_10g"]["file"] == "det_10g.onnx" and "face_swap" in listed["det_10g"]["used_by"]
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 3


@pytest.mark.django_db
def test_in_commercial_mode_only_commercially_usable_installed_models_are_usable(api_client, make_user, settings,
                                                                                  tmp_path):
    write_standins(tmp_path, names=["det_10g", "w600k_r50", "rife_4.9"])
    settings.ISAMURAI_MODELS_DIR = tmp_path
    settings.ISAMURAI_COMMERCIAL = True
    settings.ISAMURAI_COMMERCIAL_LICENSED_MODELS = ["w600k_r50"]  # the operator's own licence
    _, key = make_user(credits=3)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    body = api_client.get("/api/models/").json()
    assert body["commercial"] is True
    listed = {model["name"]: model for model in body["models"]}
    assert listed["det_10g"]["installed"] is True and listed["det_10g"]["usable"] is False
    assert listed["w600k_r50"]["usable"] is True and listed["rife_4.9"]["usable"] is True
    assert listed["gfpgan_1.4"]["commercial_use"] is True and listed["gfpgan_1.4"]["usable"] is False  # not installed
    assert {name for name, model in listed.items() if model["usable"]} == {"w600k_r50", "rife_4.9"}


def _start_output(models_dir: Path, commercial: str, licensed: str = "") -> str:
    env = dict(os.environ, ISAMURAI_MODELS_DIR=str(models_dir), ISAMURAI_COMMERCIAL=commercial,
               ISAMURAI_COMMERCIAL_LICENSED_MODELS=licensed)
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_commercial_start_says_which_models_it_will_not_run(tmp_path):
    mixed = tmp_path / "mixed"
    write_standins(mixed, names=["det_10g", "inswapper_128", "rife_4.9"])
    output = _start_output(mixed, "true")
    assert "ISAMURAI_COMMERCIAL is on: model det_10g (det_10g.onnx, installed) will not be used" in output
    assert "model w600k_r50 (w600k_r50.onnx) will not be used" in output  # not installed: said all the same
    assert "What needs it (face_swap, multi_face_swap, analyse_frame, restore) answers 503" in output
    assert "model inswapper_128" in output and "model rife_4.9" not in output
    non_commercial = [entry.name for entry in ModelManifest.load().entries if not entry.commercial_use]
    licensed = _start_output(mixed, "true", ",".join([*non_commercial, "no_such_model"]))
    assert "will not be used" not in licensed and "unknown model(s) no_such_model" in licensed
    assert "ISAMURAI_COMMERCIAL" not in _start_output(mixed, "false")


def _requirement_names() -> set[str]:
    names = set()
    for path in REPO.glob("requirements*.txt"):
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                names.add(re.split(r"[\[=<>~ ]", line, maxsplit=1)[0].lower())
    return names


def test_project_licence_and_readme_dependency_table():
    assert "Apache License" in (REPO / "LICENSE").read_text() and "Version 2.0" in (REPO / "LICENSE").read_text()
    assert 'license = "Apache-2.0"' in (REPO / "pyproject.toml").read_text()
    readme = (REPO / "README.md").read_text()
    assert "Apache License 2.0" in readme
    rows = {}
    for row in re.findall(r"^\| `([^`]+)`[^|]*\| ([^|]+) \| ([^|]+) \|$", readme, flags=re.M):
        rows[row[0].split("[", 1)[0].lower()] = (row[1].strip(), row[2].strip())
    missing = [name for name in _requirement_names() if name not in rows and not (
        name == "onnxruntime-gpu" and "onnxruntime" in rows)]
    assert not missing, f"add these to the README's dependency table (why, licence): {missing}"
    assert all(why and licence for why, licence in rows.values())
