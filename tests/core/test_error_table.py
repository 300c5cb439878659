"""One error table for every status: whatever answers (DRF's handler, the middleware, Django's
handlers, the console), the status is the one apps.core.errors gives the error's category; the
OpenAPI schema lists, per operation, every status it can answer and nothing outside the table;
workers/ raises typed errors for bad options."""
import uuid

import pytest

from apps.core.errors import ERROR_RULES, error_status
from workers.errors import ErrorCategory, InvalidOption, UserFacingError
from workers.interpolation.factory import resolve_interpolator_name
from workers.video.quality import short_side_for

pytestmark = pytest.mark.django_db
TABLE_STATUSES = {rule.http_status for rule in ERROR_RULES.values()}


def _assert_table_error(response, category: ErrorCategory) -> None:
    assert response.status_code == error_status(category), (category, response.content[:300])
    body = response.json()
    assert body["success"] is False and body["error"].endswith((".", "?"))


def test_every_edge_of_the_api_answers_the_tables_status(client, api_client, make_user, settings):
    settings.ISAMURAI_MAX_UPLOAD_BYTES = settings.ISAMURAI_MAX_JSON_BYTES = 1024  # multipart and JSON caps
    _assert_table_error(client.get("/api/no/such/endpoint/"), ErrorCategory.NOT_FOUND)  # core/views.py
    _assert_table_error(client.get("/api/user%00credits/"), ErrorCategory.NOT_FOUND)  # the middleware
    oversize = client.generic("POST", "/api/restore-image/", b"x", content_type="application/json",
                              CONTENT_LENGTH="2048")
    _assert_table_error(oversize, ErrorCategory.TOO_LARGE)
    garbled = client.generic("POST", "/api/restore-image/", b"x", content_type="application/json",
                             CONTENT_LENGTH="lots")
    _assert_table_error(garbled, ErrorCategory.BAD_INPUT)
    _assert_table_error(client.get("/api/user-credits/"), ErrorCategory.UNAUTHENTICATED)  # DRF's handler

    _, key = make_user()
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    _assert_table_error(api_client.get("/api/stop-job/"), ErrorCategory.NOT_ALLOWED)
    _assert_table_error(api_client.post("/api/stop-job/", "id=1", content_type="text/plain"),
                        ErrorCategory.UNSUPPORTED_MEDIA)
    _assert_table_error(api_client.post("/api/stop-job/", {"id": str(uuid.uuid4()), "type": "faceswap"},
                                        format="json"), ErrorCategory.NOT_FOUND)
    settings.ISAMURAI_THROTTLE_READ = "1/min"
    api_client.get("/api/user-credits/")
    _assert_table_error(api_client.get("/api/user-credits/"), ErrorCategory.THROTTLED)


def test_the_schema_lists_every_status_each_operation_can_answer(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]

    def statuses(path: str, method: str) -> set[int]:
        return {int(code) for code in paths[path][method]["responses"]}

    for path, operations in paths.items():
        for method, operation in operations.items():
            errors = {int(code) for code in operation["responses"] if int(code) >= 400}
            assert errors <= TABLE_STATUSES, (method, path, errors - TABLE_STATUSES)
            assert {400, 404, 405, 500} <= errors, (method, path)

    # A charging upload: oversize, idempotency conflict and mismatch, rate limit, missing worker/model.
    assert {401, 403, 409, 413, 415, 422, 429, 503} <= statuses("/api/full-process-swap/", "post")
    assert {409, 422, 503} <= statuses("/api/restore-image/", "post")
    assert {413, 503} <= statuses("/api/verify/", "post")
    # stop-job needs no worker and takes no Idempotency-Key; a progress poll has no body.
    assert not {409, 422, 503} & statuses("/api/stop-job/", "post")
    assert not {409, 413, 415, 422, 503} & statuses("/api/swap-progress/", "get")
    # A signed media link needs no key, so no 401/429.
    assert not {401, 429} & statuses("/api/media/{path}", "get")


def test_the_console_shows_a_missing_job_with_the_tables_status(client, make_user):
    user, _ = make_user()
    client.force_login(user)
    for response in (client.get(f"/jobs/{uuid.uuid4()}/"), client.post(f"/jobs/{uuid.uuid4()}/start/"),
                     client.post(f"/jobs/{uuid.uuid4()}/cancel/"),
                     client.post(f"/profile/keys/{uuid.uuid4()}/revoke/")):
        assert response.status_code == error_status(ErrorCategory.NOT_FOUND)
        assert b'id="error-message"' in response.content


@pytest.mark.parametrize(("bad_option", "allowed"), [(lambda: short_side_for("4k"), "1080p"),
                                                     (lambda: resolve_interpolator_name("magic", None), "flow")])
def test_workers_refuse_a_bad_option_with_a_typed_error(bad_option, allowed):
    with pytest.raises(InvalidOption) as caught:
        bad_option()
    assert isinstance(caught.value, UserFacingError) and caught.value.category == ErrorCategory.BAD_INPUT
    assert allowed in caught.value.user_message  # the sentence names what is allowed
