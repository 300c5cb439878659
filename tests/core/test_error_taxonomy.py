"""One taxonomy (workers.errors) and one table (apps.core.errors.ERROR_RULES): whatever raises a
user-facing error, the API answers the table's status with the error's own sentence."""
import pytest

from apps.core.errors import ERROR_RULES, JobOutcome
from apps.core.exceptions import NotFound, ServerError, ServiceUnavailable, api_exception_handler
from apps.core.idempotency import IdempotencyConflict
from apps.ledger.services import InsufficientCredits
from workers.errors import (
    ErrorCategory,
    JobCancelled,
    MediaError,
    ModelUnavailable,
    PipelineError,
    ProviderUnavailable,
    UserFacingError,
)


def test_every_category_has_one_status_and_one_job_outcome():
    assert set(ERROR_RULES) == set(ErrorCategory)
    assert ERROR_RULES[ErrorCategory.CANCELLED].job_outcome is JobOutcome.CANCELLED
    assert {rule.job_outcome for category, rule in ERROR_RULES.items()
            if category is not ErrorCategory.CANCELLED} == {JobOutcome.FAILED}


@pytest.mark.parametrize(("error", "status"), [
    (MediaError("The file is not a video.", detail="ffprobe: moov atom not found"), 400),
    (PipelineError("No face was found in the source image."), 400),
    (ModelUnavailable("inswapper_128"), 503),
    (ProviderUnavailable(["CUDAExecutionProvider"], detail="ORT offers CPUExecutionProvider"), 503),
    (NotFound("No job with id 1."), 404),
    (InsufficientCredits(need=5, have=1), 403),
    (IdempotencyConflict("That key is in use by another request."), 409),
    (ServiceUnavailable("No worker answered."), 503),
    (ServerError("The server failed."), 500),
])
def test_the_api_answers_the_tables_status_with_the_errors_sentence(error: UserFacingError, status: int):
    response = api_exception_handler(error, {})
    assert response.status_code == status == ERROR_RULES[error.category].http_status
    assert response.data == {"error": error.user_message, "success": False}
    assert "ffprobe" not in response.data["error"] and "ORT offers" not in response.data["error"]


def test_unavailable_errors_name_what_is_missing():
    assert "CUDAExecutionProvider" in ProviderUnavailable(["CUDAExecutionProvider"]).user_message
    assert "'gfpgan_1.4'" in ModelUnavailable("gfpgan_1.4").user_message
    assert JobCancelled("stopped").category is ErrorCategory.CANCELLED
