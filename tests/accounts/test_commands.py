import io

import pytest
from django.core.management import call_command

from apps.ledger.selectors import credit_balance_get, ledger_sum_get

pytestmark = pytest.mark.django_db


def test_create_api_user_prints_a_working_key_last(api_client):
    out = io.StringIO()
    call_command("create_api_user", "carol", "--credits", "250", "--plan", "Studio", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("isk_")
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    body = api_client.get("/api/user-credits/").json()
    assert body["user_credits"] == 250 and body["plan_name"] == "Studio"


def test_create_api_user_reuses_user_and_adds_credits():
    from apps.accounts.models import User

    call_command("create_api_user", "dave", "--credits", "10", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("create_api_user", "dave", "--credits", "5", stdout=out, stderr=io.StringIO())
    user = User.objects.get(username="dave")
    assert user.api_keys.count() == 2
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 15


def test_revoke_api_key_by_prefix(api_client, make_user):
    user, key = make_user(credits=3)
    prefix = key.removeprefix("isk_")[:8]
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api_client.get("/api/user-credits/").status_code == 200
    out = io.StringIO()
    call_command("revoke_api_key", prefix, stdout=out)
    assert f"Revoked key isk_{prefix}" in out.getvalue()
    assert api_client.get("/api/user-credits/").status_code == 401
    out = io.StringIO()
    call_command("revoke_api_key", f"isk_{prefix}", stdout=out)  # again, as pasted from the admin
    assert "already revoked" in out.getvalue()


def test_revoke_api_key_with_an_unknown_prefix_fails_and_revokes_nothing(api_client, make_user):
    from django.core.management.base import CommandError

    _, key = make_user()
    with pytest.raises(CommandError, match="No API key with prefix"):
        call_command("revoke_api_key", "zzzzzzzz", stdout=io.StringIO())
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api_client.get("/api/user-credits/").status_code == 200


def test_an_idle_sweep_logs_at_debug_and_a_busy_one_at_info(caplog):
    """Celery's own log calls, with the context they really pass, for the periodic sweep."""
    import logging

    from celery.app import trace
    from celery.beat import info as beat_info
    from celery.worker.strategy import logger as strategy_logger

    import apps.jobs.tasks  # noqa: F401  (installs the filter)

    def succeeded(name, result):
        trace.info(trace.LOG_SUCCESS, {"id": "x", "name": name, "return_value": repr(result), "runtime": 0.01,
                                       "args": "()", "kwargs": "{}"})

    idle = {"retried": 0, "failed": 0, "redispatched": 0, "dispatched": 0}
    with caplog.at_level(logging.INFO):
        beat_info("Scheduler: Sending due task %s (%s)", "jobs-sweep", "jobs.sweep")
        context = {"id": "x", "name": "jobs.sweep", "args": "()", "kwargs": "{}", "eta": None}
        strategy_logger.info(trace.LOG_RECEIVED, context, extra={"data": context})
        succeeded("jobs.sweep", idle)
        assert caplog.records == []
        succeeded("jobs.sweep", {**idle, "dispatched": 2})
        succeeded("jobs.run", "done")
    assert [(r.levelname, r.getMessage().split("]")[0]) for r in caplog.records] == [
        ("INFO", "Task jobs.sweep[x"), ("INFO", "Task jobs.run[x")]
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        succeeded("jobs.sweep", idle)
    assert [r.levelname for r in caplog.records] == ["DEBUG"]
