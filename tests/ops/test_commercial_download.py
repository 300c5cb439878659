"""download_models in commercial mode installs only the models whose licence allows commercial
use (or that the operator holds a licence for), and says what it skipped and why; files come
from a loopback HTTP server."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.workers.model_zoo.test_model_download import PAYLOAD, PAYLOAD_SHA256, RangeServer


@pytest.fixture
def server():
    running = RangeServer()
    yield running
    running.stop()


def _manifest(tmp_path, server: RangeServer):
    def entry(name: str, commercial: bool) -> dict:
        return {"name": name, "file": f"{name}.onnx", "urls": [f"{server.base}/model.onnx"], "sha256": PAYLOAD_SHA256,
                "size": len(PAYLOAD), "license": "Apache-2.0" if commercial else "research only (non-commercial)",
                "commercial_use": commercial, "used_by": ["tests"]}

    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"models": [entry("open_model", True), entry("closed_model", False),
                                           entry("bought_model", False)]}))
    return path


def _download(manifest, *only: str) -> str:
    out = StringIO()
    call_command("download_models", "--manifest", str(manifest), *(f"--only={name}" for name in only), stdout=out)
    return out.getvalue()


def test_commercial_mode_downloads_only_commercially_usable_models(server, tmp_path, settings):
    models = tmp_path / "models"
    settings.ISAMURAI_MODELS_DIR = models
    settings.ISAMURAI_COMMERCIAL = True
    settings.ISAMURAI_COMMERCIAL_LICENSED_MODELS = ["bought_model"]
    output = _download(_manifest(tmp_path, server))
    assert sorted(path.name for path in models.iterdir()) == ["bought_model.onnx", "open_model.onnx"]
    assert ("closed_model: skipped, model 'closed_model' is licensed 'research only (non-commercial)', which does "
            "not allow commercial use") in output
    assert "skipped 1 model(s) whose licence does not allow commercial use: closed_model." in output
    assert [path for path, _ in server.requests].count("/model.onnx") == 2  # the skipped one was never fetched
    with pytest.raises(CommandError, match="closed_model may not be used in commercial mode"):
        _download(_manifest(tmp_path, server), "closed_model")


def test_without_commercial_mode_every_model_is_downloaded(server, tmp_path, settings):
    settings.ISAMURAI_MODELS_DIR = tmp_path / "models"
    settings.ISAMURAI_COMMERCIAL = False
    output = _download(_manifest(tmp_path, server))
    assert "skipped" not in output and len(list((tmp_path / "models").iterdir())) == 3
