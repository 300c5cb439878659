"""The OpenAPI schema matches what the server does: schemathesis generates requests for every
operation from the schema and checks that none gets a 5xx and every answer fits the schema.
A real worker answers the synchronous work, as in production."""
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from isamurai_server.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(db, settings, swap_worker):
    """The schema, with a real worker (stand-in models + the real detector) behind the API."""
    settings.ALLOWED_HOSTS = ["*"]
    # Requests go straight to the WSGI app inside the test's transaction; like Django's test client,
    # keep the request signals from closing the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def fuzz_key(make_user):
    _, key = make_user("fuzzer", credits=1000)
    return key


@pytest.mark.slow
@schema.parametrize()
@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_conforms_to_the_schema(case, fuzz_key):
    response = case.call(headers={"Authorization": f"Api-Key {fuzz_key}"})
    case.validate_response(response, checks=CHECKS)


def test_schema_documents_the_api_key_scheme_and_every_contract_path(client):
    document = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert document["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey", "in": "header", "name": "Authorization",
        "description": "Send `Authorization: Api-Key isk_...` (create keys in the console or admin).",
    }
    contract_paths = {
        "/api/user-credits/", "/api/preview-swap-api/", "/api/full-process-swap/", "/api/faceswap/",
        "/api/process-swap/", "/api/swap-progress/", "/api/stop-job/", "/api/analyse-frame/",
        "/api/multi-preview-swap-api/", "/api/multiple-face-swap/", "/api/slowmotion/",
        "/api/faceswap/slowmotion/process/", "/api/faceswap/slowmotion/progress/{project_id}/",
        "/api/restore-image/", "/api/gallery/sources/", "/api/gallery/sources/{source_id}/", "/api/media/{path}",
    }
    assert contract_paths <= set(document["paths"])


def test_swagger_ui_is_served_without_a_cdn(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"swagger-ui" in page.content and b"cdn.jsdelivr" not in page.content
