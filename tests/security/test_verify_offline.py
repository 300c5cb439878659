"""Issue #20 item 4: POST verify/ reads a stranger's file offline (no remote manifest, no OCSP, no
host at all), applies the upload limits before decoding, counts as a charging call for the rate
limit, and decodes on a fast worker under a time limit."""
import io
import socket
import threading
import time

import pytest
from PIL import Image

from apps.provenance.tasks import provenance_inspect_task
from tests.security.conftest import api, ffmpeg
from workers.provenance.verification import media_inspect


class Listener:
    """A loopback TCP listener that records every connection (and what was asked)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.requests: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                self.requests.append(conn.recv(2048))
            except OSError:
                self.requests.append(b"")
            conn.close()

    def close(self) -> None:
        self.socket.close()


def jpeg_naming_a_remote_manifest(url: str) -> bytes:
    """A JPEG whose XMP says its C2PA manifest lives at `url` (dcterms:provenance)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 30, 200)).save(buffer, "JPEG")
    data = buffer.getvalue()
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           f'<rdf:Description rdf:about="" xmlns:dcterms="http://purl.org/dc/terms/" dcterms:provenance="{url}"/>'
           "</rdf:RDF></x:xmpmeta>").encode()
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return data[:2] + segment + data[2:]


def test_the_reader_fetches_no_remote_manifest(tmp_path):
    listener = Listener()
    try:
        photo = tmp_path / "remote.jpg"
        photo.write_bytes(jpeg_naming_a_remote_manifest(f"http://127.0.0.1:{listener.port}/x.c2pa"))
        inspection = media_inspect(photo, max_image_pixels=10**7)
        time.sleep(0.5)
        assert listener.requests == []
        assert inspection.manifest.present is False
    finally:
        listener.close()


@pytest.mark.django_db(transaction=True)
def test_verify_through_the_api_makes_no_connection(security_worker, make_user):
    listener = Listener()
    try:
        _, key = make_user(credits=0)
        content = jpeg_naming_a_remote_manifest(f"http://127.0.0.1:{listener.port}/x.c2pa")
        response = api(key).post("/api/verify/", {"file": io.BytesIO(content)})
        assert response.status_code == 200, response.content
        assert response.json()["c2pa"]["present"] is False
        time.sleep(0.5)
        assert listener.requests == []
    finally:
        listener.close()


@pytest.mark.django_db
def test_verify_applies_the_video_limits_before_decoding(make_user, settings, honest_clips):
    _, key = make_user(credits=0)
    settings.ISAMURAI_MAX_VIDEO_SECONDS = 5
    with open(honest_clips["mp4"], "rb") as clip:
        response = api(key).post("/api/verify/", {"file": clip})
    assert response.status_code == 400 and response.json()["error"].startswith("file: The video is 20.0 seconds")
    settings.ISAMURAI_MAX_VIDEO_SECONDS, settings.ISAMURAI_MAX_VIDEO_PIXELS = 600, 64 * 64
    with open(honest_clips["mp4"], "rb") as clip:  # 96x64: "8k x 8k" against a small limit
        response = api(key).post("/api/verify/", {"file": clip})
    assert response.status_code == 400 and "pixels per frame" in response.json()["error"]


@pytest.mark.django_db
def test_verify_of_a_huge_frame_is_refused_before_any_decode(make_user, settings, tmp_path):
    """A real 8192 x 8192 clip: the probe reads its header only, in a child process."""
    clip = tmp_path / "huge.mkv"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=8192x8192:r=1", "-frames:v", "1", "-c:v", "mjpeg", str(clip))
    _, key = make_user(credits=0)
    with open(clip, "rb") as handle:
        response = api(key).post("/api/verify/", {"file": handle})
    assert response.status_code == 400 and "8192x8192 pixels" in response.json()["error"]


@pytest.mark.django_db
def test_verify_counts_against_the_charging_rate(make_user, settings):
    _, key = make_user(credits=0)
    settings.ISAMURAI_THROTTLE_CHARGE = "2/min"
    client = api(key)
    answers = [client.post("/api/verify/", {"file": io.BytesIO(b"not media")}).status_code for _ in range(3)]
    assert answers == [400, 400, 429]


def test_verify_runs_under_a_time_limit(settings):
    assert provenance_inspect_task.soft_time_limit == settings.ISAMURAI_VERIFY_SECONDS
    assert provenance_inspect_task.time_limit > provenance_inspect_task.soft_time_limit
