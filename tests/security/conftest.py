"""Hostile inputs: files made to lie, to pull in other files, to exhaust memory or CPU, markup under
media names; the real worker and the stand-in models of the API tests."""
import base64
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from tests.console.conftest import console_user  # noqa: F401 (a fixture)
from tests.security.lying_media import matroska_claim_seconds, mp4_claim_seconds
from tests.standin_models import write_standins
from tests.swap.conftest import (  # noqa: F401 (fixtures)
    api_models_dir,
    derived,
    images,
    nothing_left_behind,
    swap_worker,
    videos,
)
from tests.swap.test_content_policy import (  # noqa: F401 (fixtures: the NSFW stand-in's worker)
    policy,
    policy_models_dir,
    policy_worker,
    red_source,
)
from tests.worker_process import WorkerPool, broker_purge

REAL_SECONDS = 20
CLAIMED_SECONDS = 0.5
RATE = 12


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="session")
def honest_clips(hostile_dir) -> dict[str, Path]:
    """A 20 s, 12 fps clip (240 frames) with sound, small so every test stays quick, in each
    accepted container."""
    source = ["-f", "lavfi", "-i", f"testsrc=size=96x64:rate={RATE}", "-f", "lavfi", "-i",
              "sine=f=440:sample_rate=16000", "-t", str(REAL_SECONDS), "-pix_fmt", "yuv420p"]
    clips = {"mp4": hostile_dir / "honest.mp4", "mov": hostile_dir / "honest.mov",
             "mkv": hostile_dir / "honest.mkv", "webm": hostile_dir / "honest.webm"}
    ffmpeg(*source, "-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-c:a", "aac", str(clips["mp4"]))
    ffmpeg("-i", str(clips["mp4"]), "-c", "copy", str(clips["mov"]))
    ffmpeg("-i", str(clips["mp4"]), "-c", "copy", str(clips["mkv"]))
    ffmpeg(*source, "-c:v", "libvpx", "-b:v", "50k", "-deadline", "realtime", "-c:a", "libopus", str(clips["webm"]))
    return clips


@pytest.fixture(scope="session")
def lying_clips(honest_clips, hostile_dir) -> dict[str, Path]:
    """The same clips, each claiming to last 0.5 s: every frame is still there."""
    lying = {}
    for name, clip in honest_clips.items():
        path = hostile_dir / f"lying.{name}"
        shutil.copyfile(clip, path)
        (mp4_claim_seconds if name in ("mp4", "mov") else matroska_claim_seconds)(path, CLAIMED_SECONDS)
        lying[name] = path
    return lying


@pytest.fixture(scope="session")
def security_models_dir(tmp_path_factory, testdata) -> Path:
    folder = tmp_path_factory.mktemp("security_models")
    write_standins(folder, names=["w600k_r50", "inswapper_128", "gfpgan_1.4"])
    shutil.copyfile(testdata / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    return folder


@pytest.fixture(scope="module")
def security_worker(django_db_setup, django_db_blocker, security_models_dir):
    """A real worker (gpu, fast and webhooks queues) with the stand-in models."""
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(security_models_dir), "ISAMURAI_CONTENT_POLICY": "off"})
    worker = pool(concurrency=2)
    yield worker
    pool.stop_all()


def b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


# Markup under media names (media never executable).
SCRIPT = b"<script>fetch('/profile/keys/',{method:'POST'})</script>"
HTML_PAGE = b"<!doctype html><html><body>" + SCRIPT + b"</body></html>"
SVG_IMAGE = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
             b"<rect width='64' height='64'/>" + SCRIPT + b"</svg>")
HLS_PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"


def jpeg_with_script_comment(jpeg: bytes) -> bytes:
    """A valid JPEG (it decodes) whose COM segment holds an HTML page: a browser sniffing it, or
    told it is text/html, would run the script."""
    comment = HTML_PAGE
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return jpeg[:2] + segment + jpeg[2:]


@pytest.fixture(scope="session")
def polyglot_jpeg(testdata, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "x.html"
    path.write_bytes(jpeg_with_script_comment((testdata / "images" / "obama.jpg").read_bytes()))
    return path


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory) -> dict[str, Path]:
    """Markup under media names: each must be refused on every upload field."""
    folder = tmp_path_factory.mktemp("markup")
    files = {"page.html": HTML_PAGE, "drawing.svg": SVG_IMAGE, "photo.jpg": SVG_IMAGE, "clip.mp4": HLS_PLAYLIST,
             "frame.png": HTML_PAGE}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}
