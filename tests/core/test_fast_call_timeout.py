"""A fast call that no worker answers is a 503 saying so, on Redis and on the embedded
filesystem result store alike (there, forgetting a result that was never written once raised
FileNotFoundError and turned the 503 into a 500)."""
import pytest

from apps.core.exceptions import ServiceUnavailable
from apps.core.fast import fast_task_call
from tests.worker_process import broker_purge


def test_an_unanswered_fast_call_is_a_503_not_a_500(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        broker_purge()  # no worker runs here: nothing will answer
    try:
        with pytest.raises(ServiceUnavailable, match="No worker answered"):
            fast_task_call("jobs.models_require", kwargs={"names": []}, timeout=0.5)
    finally:
        with django_db_blocker.unblock():
            broker_purge()  # the unanswered message must not reach a later test's worker
