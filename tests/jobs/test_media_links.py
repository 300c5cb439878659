"""Signed, expiring media links: a link the server gave out works without a key until it
expires; a tampered, expired, unsigned or re-pointed link is a JSON 404."""
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from apps.core.storage import LocalMediaStorage, media_link_signature

pytestmark = pytest.mark.django_db

PAYLOAD = b"\x00\x00\x00\x18ftypmp42 output bytes"


@pytest.fixture
def stored() -> list[str]:
    media = Path(settings.ISAMURAI_MEDIA_ROOT)
    relpaths = ["outputs/5e1f0aa1/faceswap_x.mp4", "outputs/77c0ffee/faceswap_y.mp4"]
    for relpath in relpaths:
        (media / relpath).parent.mkdir(parents=True, exist_ok=True)
        (media / relpath).write_bytes(PAYLOAD)
    return relpaths


def _assert_json_404(response) -> None:
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False and "fresh link" in body["error"]


def _parts(url: str) -> tuple[str, dict[str, str]]:
    split = urlsplit(url)
    return split.path, {k: v[0] for k, v in parse_qs(split.query).items()}


def test_signed_link_serves_the_file_without_a_key(stored):
    url = LocalMediaStorage().url(stored[0])
    path, query = _parts(url)
    assert path == f"/api/media/{stored[0]}" and set(query) == {"expires", "signature"}
    # Default lifetime: ISAMURAI_MEDIA_URL_SECONDS (= the retention), rounded up to the hour.
    lifetime = int(query["expires"]) - time.time()
    assert settings.ISAMURAI_MEDIA_URL_SECONDS - 5 <= lifetime <= settings.ISAMURAI_MEDIA_URL_SECONDS + 3600
    response = Client().get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PAYLOAD


def test_tampered_links_are_404(stored):
    url = LocalMediaStorage().url(stored[0])
    path, query = _parts(url)
    flipped = ("0" if query["signature"][0] != "0" else "1") + query["signature"][1:]
    client = Client()
    _assert_json_404(client.get(path, {"expires": query["expires"], "signature": flipped}))
    _assert_json_404(client.get(path, {"expires": str(int(query["expires"]) + 3600), "signature": query["signature"]}))
    _assert_json_404(client.get(f"/api/media/{stored[1]}", query))  # another file, the same signature
    _assert_json_404(client.get(path))  # unsigned
    _assert_json_404(client.get(path, {"expires": "soon", "signature": query["signature"]}))


def test_expired_link_is_404(stored):
    expires = int(time.time()) - 1
    signature = media_link_signature(relpath=stored[0], expires=expires)
    _assert_json_404(Client().get(f"/api/media/{stored[0]}", {"expires": expires, "signature": signature}))


def test_links_depend_on_the_secret_key(stored, settings):
    url = LocalMediaStorage().url(stored[0])
    settings.SECRET_KEY = "another-deployment-" + "x" * 40
    _assert_json_404(Client().get(url))
