"""Downloads against a local HTTP server on 127.0.0.1: resume, mirrors, checksum, offline."""
from __future__ import annotations

import hashlib
import io
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from workers.errors import ModelDownloadError
from workers.model_zoo.download import ModelDownloader
from workers.model_zoo.manifest import ModelManifest, installed_state

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB of known bytes
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


class RangeServer:
    """Serves PAYLOAD at /model.onnx (with Range support), a wrong file at /bad.onnx, 404 else."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append((self.path, self.headers.get("Range")))
                bodies = {"/model.onnx": PAYLOAD, "/bad.onnx": b"x" * len(PAYLOAD)}
                body = bodies.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                start = 0
                range_header = self.headers.get("Range")
                if range_header and range_header.startswith("bytes="):
                    start = int(range_header[6:].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                self.wfile.write(body[start:])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    running = RangeServer()
    yield running
    running.stop()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/model.onnx"  # nothing listens there any more


def manifest_for(urls: list[str], sha256: str | None = PAYLOAD_SHA256,
                 size: int | None = len(PAYLOAD)) -> ModelManifest:
    return ModelManifest.from_dict({"models": [{
        "name": "tiny", "file": "tiny.onnx", "urls": urls, "sha256": sha256, "size": size,
        "license": "test", "used_by": ["tests"],
    }]})


def downloader(tmp_path: Path, manifest: ModelManifest) -> ModelDownloader:
    return ModelDownloader(tmp_path, manifest, progress_stream=io.StringIO(), timeout_seconds=5)


def test_download_verifies_and_installs(server: RangeServer, tmp_path: Path):
    progress = io.StringIO()
    loader = ModelDownloader(tmp_path, manifest_for([server.base + "/model.onnx"]),
                             progress_stream=progress)
    result = loader.download("tiny")
    assert result.path.read_bytes() == PAYLOAD
    assert result.verified and result.sha256 == PAYLOAD_SHA256
    assert "100.0%" in progress.getvalue()
    assert not (tmp_path / "tiny.onnx.part").exists()
    # A second run finds the verified file and fetches nothing.
    count = len(server.requests)
    assert loader.download("tiny").skipped
    assert len(server.requests) == count


def test_resume_continues_a_partial_file(server: RangeServer, tmp_path: Path):
    (tmp_path / "tiny.onnx.part").write_bytes(PAYLOAD[:300_000])
    manifest = manifest_for([server.base + "/model.onnx"])
    assert installed_state(manifest.get("tiny"), tmp_path).state == "partial"
    result = downloader(tmp_path, manifest).download("tiny")
    assert result.path.read_bytes() == PAYLOAD
    assert server.requests == [("/model.onnx", "bytes=300000-")]


def test_mirrors_are_tried_in_turn(server: RangeServer, tmp_path: Path):
    urls = [closed_port_url(), server.base + "/missing.onnx", server.base + "/model.onnx"]
    result = downloader(tmp_path, manifest_for(urls)).download("tiny")
    assert result.source_url == urls[2]
    assert result.path.read_bytes() == PAYLOAD


def test_checksum_mismatch_removes_the_file(server: RangeServer, tmp_path: Path):
    with pytest.raises(ModelDownloadError, match="SHA-256"):
        downloader(tmp_path, manifest_for([server.base + "/bad.onnx"])).download("tiny")
    assert list(tmp_path.iterdir()) == []


def test_bad_mirror_then_good_mirror(server: RangeServer, tmp_path: Path):
    urls = [server.base + "/bad.onnx", server.base + "/model.onnx"]
    result = downloader(tmp_path, manifest_for(urls)).download("tiny")
    assert result.path.read_bytes() == PAYLOAD


def test_corrupt_installed_file_is_replaced(server: RangeServer, tmp_path: Path):
    (tmp_path / "tiny.onnx").write_bytes(b"y" * len(PAYLOAD))
    manifest = manifest_for([server.base + "/model.onnx"])
    assert installed_state(manifest.get("tiny"), tmp_path, verify_hash=True).state == \
        "checksum mismatch"
    downloader(tmp_path, manifest).download("tiny")
    assert installed_state(manifest.get("tiny"), tmp_path, verify_hash=True).state == "installed"


def test_offline_gives_a_clear_message(tmp_path: Path):
    with pytest.raises(ModelDownloadError) as raised:
        downloader(tmp_path, manifest_for([closed_port_url()])).download("tiny")
    message = str(raised.value)
    assert "Could not download model 'tiny'" in message
    assert "could not connect" in message
    assert "python manage.py download_models --only tiny" in message
    assert "Traceback" not in message


def test_unknown_hash_is_accepted_but_reported_unverified(server: RangeServer, tmp_path: Path):
    manifest = manifest_for([server.base + "/model.onnx"], sha256=None, size=None)
    result = downloader(tmp_path, manifest).download("tiny")
    assert not result.verified
    assert result.sha256 == PAYLOAD_SHA256
    assert installed_state(manifest.get("tiny"), tmp_path).state == "unverified"
