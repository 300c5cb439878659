"""CORS headers (django-cors-headers): only listed origins, preflight without a key, nothing
for origins not listed or when no origin is configured (the default)."""
import pytest

pytestmark = pytest.mark.django_db

ORIGIN = "https://app.example.com"


def _preflight(client, origin: str, path: str = "/api/full-process-swap/"):
    return client.options(path, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                          HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type,idempotency-key")


def test_preflight_of_a_listed_origin_needs_no_key(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN, "http://localhost:3000"]
    response = _preflight(client, ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    allowed_headers = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "idempotency-key" in allowed_headers
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_actual_response_carries_the_origin_and_exposes_retry_after(client, make_user, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    settings.ISAMURAI_THROTTLE_READ = "1/min"
    _, key = make_user(credits=4)
    first = client.get("/api/user-credits/", HTTP_ORIGIN=ORIGIN, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert first.status_code == 200 and first["Access-Control-Allow-Origin"] == ORIGIN
    limited = client.get("/api/user-credits/", HTTP_ORIGIN=ORIGIN, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert limited.status_code == 429 and limited["Access-Control-Allow-Origin"] == ORIGIN
    assert "retry-after" in limited["Access-Control-Expose-Headers"].lower()
    # An error answer (no key) is readable by the page too, so it can show the message.
    unauthorised = client.get("/api/user-credits/", HTTP_ORIGIN=ORIGIN)
    assert unauthorised.status_code == 401 and unauthorised["Access-Control-Allow-Origin"] == ORIGIN


def test_unlisted_origin_and_default_get_no_cors_headers(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    assert "Access-Control-Allow-Origin" not in _preflight(client, "https://evil.example.net")
    settings.CORS_ALLOWED_ORIGINS = []  # the default: ISAMURAI_CORS_ORIGINS unset
    assert "Access-Control-Allow-Origin" not in _preflight(client, ORIGIN)


def test_console_pages_get_no_cors_headers(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    response = client.get("/login/", HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in response
