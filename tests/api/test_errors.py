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
