"""Hostile or damaged input gets a 400 that says what is wrong, before anything is charged:
a truncated MP4 whose index is at the front, a text file named .jpg, text that is not base64."""
import base64
import subprocess
from pathlib import Path

import pytest

from .conftest import api, b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def cut_faststart_clip(videos, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cut")
    whole = folder / "whole.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(videos / "liveportrait_d18.mp4"), "-t", "2",
                    "-c", "copy", "-movflags", "+faststart", str(whole)], check=True)
    data = whole.read_bytes()
    assert b"moov" in data[:4096]  # the index is at the front, so ffprobe alone sees a whole file
    cut = folder / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])
    return cut


def _post_upload(key: str, endpoint: str, files: dict[str, Path], **data):
    handles = {name: open(path, "rb") for name, path in files.items()}
    try:
        return api(key).post(endpoint, {**handles, **data})
    finally:
        for handle in handles.values():
            handle.close()


def test_truncated_faststart_video_is_400_before_any_charge(swap_worker, make_user, images, cut_faststart_clip,
                                                           nothing_left_behind):
    user, key = make_user(credits=50)
    response = _post_upload(key, "/api/full-process-swap/",
                            {"source_image": images / "obama.jpg", "target_media": cut_faststart_clip},
                            gquality="480p")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error.startswith("target_media: The video file is incomplete: it holds ") and "of its 62 frames" in error
    slowmo = _post_upload(key, "/api/slowmotion/", {"source_video": cut_faststart_clip}, slowdown_factor="2",
                          quality="480p", mode="fps")
    assert slowmo.status_code == 400 and "incomplete" in slowmo.json()["error"]
    nothing_left_behind(user, balance=50)


def test_text_named_jpg_as_target_media_is_called_text(swap_worker, make_user, images, tmp_path,
                                                       nothing_left_behind):
    user, key = make_user(credits=50)
    text = tmp_path / "frame.jpg"
    text.write_text("this is a note, not a picture\n")
    response = _post_upload(key, "/api/full-process-swap/",
                            {"source_image": images / "obama.jpg", "target_media": text}, gquality="480p")
    assert response.status_code == 400
    error = response.json()["error"]
    # The stored name comes from the bytes (text: no media format), so no demuxer ever reads it.
    assert error.startswith("target_media: The file holds text, not an image or a video") and "still image" not in error
    nothing_left_behind(user, balance=50)


@pytest.mark.parametrize("garbage,expected", [
    ("aGVsbG8$", "character '$' at position 7"),
    ("aGVs=bG8=", "character '=' at position 4"),
    ("aGVsb", "Not valid base64 ("),
    ("data:image/jpeg;base64,%%%%", "character '%' at position 0"),
    ("====", "Not valid base64 ("),
])
def test_invalid_base64_is_called_invalid_base64(make_user, images, nothing_left_behind, garbage, expected):
    user, key = make_user(credits=5)
    response = api(key).post("/api/preview-swap-api/", {
        "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": garbage},
        content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("target_image_base64: ") and expected in error, error
    assert "JPEG, PNG or WebP" not in error
    nothing_left_behind(user, balance=5)


def test_wrapped_or_url_safe_base64_images_are_accepted(swap_worker, make_user, images):
    _, key = make_user(credits=10)
    raw = (images / "biden.jpg").read_bytes()
    standard = base64.b64encode(raw).decode()
    wrapped = "\n".join(standard[i:i + 76] for i in range(0, len(standard), 76))  # MIME line breaks
    url_safe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    for target in (wrapped, url_safe):
        response = api(key).post("/api/preview-swap-api/", {
            "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": target},
            content_type="application/json")
        assert response.status_code == 200, response.json()
        assert base64.b64decode(response.json()["image_base64"])[:3] == b"\xff\xd8\xff"
