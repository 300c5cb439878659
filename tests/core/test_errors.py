"""The error contract: every error under /api/ is {"error": sentence, "success": false}."""
import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"].endswith((".", "?"))
    assert "Traceback" not in body["error"]
    return body


def test_unknown_path_is_json_404(api_client, make_user):
    _, key = make_user()
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    body = _assert_error_shape(api_client.get("/api/does-not-exist/"), 404)
    assert "/api/does-not-exist/" in body["error"]


def test_unknown_path_without_auth_is_still_json(client):
    _assert_error_shape(client.get("/api/nothing/here"), 404)


def test_wrong_method_is_json_405(api_client, make_user):
    _, key = make_user()
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    body = _assert_error_shape(api_client.delete("/api/user-credits/"), 405)
    assert "DELETE" in body["error"] and "GET" in body["error"]


def test_oversize_upload_is_json_413_before_reading(settings, api_client, make_user):
    settings.ISAMURAI_MAX_UPLOAD_BYTES = 1024 * 1024
    _, key = make_user(credits=10)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    payload = {"file": ("big.bin", b"x" * (2 * 1024 * 1024))}
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(*payload["file"])
    body = _assert_error_shape(api_client.post("/api/user-credits/", {"file": upload}), 413)
    assert "limit is 1 MB" in body["error"]


@pytest.mark.urls("tests.error_urls")
def test_unhandled_exception_is_json_500_and_logged(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="apps.api.errors"):
        response = client.get("/api/test-crash/")
    body = _assert_error_shape(response, 500)
    assert "boom" not in body["error"]
    assert any("boom" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


@pytest.mark.parametrize("path", ["/api/media/outputs/%00", "/api/media/%00/x.mp4", "/api/user-credits/%00",
                                  "/api/media/outputs/%FF%FE.mp4", "/api/media/outputs/" + "a" * 5000 + ".mp4",
                                  "/%00"])
def test_nul_undecodable_or_impossible_paths_are_json_404(client, path):
    """A NUL byte, bytes that are not UTF-8 or a name too long for the filesystem: nothing is there."""
    _assert_error_shape(client.get(path), 404)


@pytest.mark.parametrize("path", ["/api//user-credits/", "/api///user-credits//"])
def test_doubled_slashes_reach_the_endpoint(api_client, make_user, path):
    """The official SDK's base URL is a class attribute; a user who sets it with a trailing slash
    makes every path `/api//...`."""
    _, key = make_user(credits=7)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    response = api_client.get(path)
    assert response.status_code == 200, response.content
    assert response.json()["user_credits"] == 7
