"""The security suite's shared parts: the API tests' real worker and test images, and hostile files."""
import struct
from pathlib import Path

import pytest

from tests.console.conftest import console_user  # noqa: F401 (a fixture)
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
