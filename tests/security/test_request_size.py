"""Issue #20 item 5: request size. A body past its cap is a 413 before it is read (API and console
alike); each base64 image field has its own cap and is checked in C; an image file past the image
cap is a 400 naming its field. Nothing is charged."""
import base64
import io

import pytest
from django.test import RequestFactory

from apps.core.middleware import ApiErrorMiddleware
from tests.security.conftest import api

pytestmark = pytest.mark.django_db


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):  # noqa: ARG002
        raise AssertionError("the body was read")

    readline = readinto = read


def _refused_unread(path: str, content_type: str, length: int):
    request = RequestFactory().post(path, data=b"", content_type=content_type)
    request.META["CONTENT_LENGTH"], request.META["CONTENT_TYPE"] = str(length), content_type
    request.META["wsgi.input"] = UnreadableBody()

    def view(_request):
        raise AssertionError("the view ran")

    return ApiErrorMiddleware(view)(request)


def test_a_json_body_past_its_cap_is_413_before_it_is_read(settings):
    response = _refused_unread("/api/analyse-frame/", "application/json", settings.ISAMURAI_MAX_JSON_BYTES + 1)
    assert response.status_code == 413
    assert b"request body is too large" in response.content and b'"success": false' in response.content


def test_the_json_cap_fits_two_of_the_largest_images(settings):
    largest_field = -(-settings.ISAMURAI_MAX_IMAGE_BYTES // 3) * 4
    assert settings.ISAMURAI_MAX_JSON_BYTES >= 2 * largest_field
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.ISAMURAI_MAX_JSON_BYTES
    assert settings.ISAMURAI_MAX_JSON_BYTES < settings.ISAMURAI_MAX_UPLOAD_BYTES


def test_a_multipart_upload_past_the_upload_cap_is_413_before_it_is_read(settings):
    response = _refused_unread("/api/full-process-swap/", "multipart/form-data; boundary=x",
                               settings.ISAMURAI_MAX_UPLOAD_BYTES + 1)
    assert response.status_code == 413 and b"upload is too large" in response.content


@pytest.mark.parametrize("path", ["/new/faceswap/", "/new/slowmotion/", "/gallery/"])
def test_console_uploads_have_the_apis_limits(settings, path):
    response = _refused_unread(path, "multipart/form-data; boundary=x", settings.ISAMURAI_MAX_UPLOAD_BYTES + 1)
    assert response.status_code == 413 and response["Content-Type"].startswith("text/plain")
    assert b"upload is too large" in response.content


def test_a_base64_field_past_the_image_cap_is_400_naming_it(make_user, settings):
    settings.ISAMURAI_MAX_IMAGE_BYTES = 64 * 1024
    user, key = make_user(credits=5)
    big = base64.b64encode(b"\xff\xd8\xff" + b"\x00" * 200_000).decode()
    response = api(key).post("/api/analyse-frame/", {"target_image_base64": big}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"].startswith("target_image_base64: The image is larger than 0.0625 MB")


def test_a_stray_character_deep_in_a_large_field_is_named_by_its_position(make_user):
    _, key = make_user(credits=5)
    text = base64.b64encode(b"\x00" * 3_000_000).decode()
    position = 3_333_333
    text = text[:position] + "!" + text[position + 1:]
    response = api(key).post("/api/analyse-frame/", {"target_image_base64": text}, content_type="application/json")
    assert response.status_code == 400
    assert f"character '!' at position {position}" in response.json()["error"]


@pytest.mark.parametrize("text,says", [
    ("aGVs" * 10 + "=" + "aGVs", "character '=' at position 40"),
    ("aGVs-_" + "aGVs+/", "mixes the standard"),
    ("data:image/png;base64," + "\u00e9" * 8, "character 'é' at position 0"),
])
def test_malformed_base64_is_named_precisely(make_user, text, says):
    _, key = make_user(credits=5)
    response = api(key).post("/api/analyse-frame/", {"target_image_base64": text}, content_type="application/json")
    assert response.status_code == 400 and says in response.json()["error"]


def test_an_image_file_past_the_image_cap_is_400_naming_its_field(make_user, settings, testdata):
    settings.ISAMURAI_MAX_IMAGE_BYTES = 10 * 1024
    _, key = make_user(credits=5)
    with open(testdata / "images" / "obama.jpg", "rb") as photo:
        response = api(key).post("/api/restore-image/", {"image": photo, "mode": "face_enhance"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("image: The image is")
