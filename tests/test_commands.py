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
