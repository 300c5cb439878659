"""Rate limits per API key on the real cache (Redis when REDIS_URL is set): 429 JSON with
Retry-After, separate buckets for charging and other requests, per-plan overrides, and a
refused request charges nothing."""
import time

import pytest

from apps.accounts.models import Plan
from apps.accounts.services import api_key_create
from apps.jobs.models import JobStatus
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.swap.models import FaceSwapJob

pytestmark = pytest.mark.django_db

CREDITS = "/api/user-credits/"


def _client(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api_client


def _assert_429(response) -> int:
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False and "Too many requests" in body["error"]
    wait = int(response["Retry-After"])
    # Sliding window: a full window fades out over the next one, so at most two periods.
    assert 1 <= wait <= 120
    assert f"retry in {wait} second" in body["error"]
    return wait


@pytest.mark.parametrize("cache", ["configured", "local memory"])
def test_read_limit_answers_429_with_retry_after(api_client, make_user, settings, cache):
    if cache == "local memory":  # the embedded default (no REDIS_URL)
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.ISAMURAI_THROTTLE_READ = "3/min"
    _, key = make_user(credits=5)
    client = _client(api_client, key)
    assert [client.get(CREDITS).status_code for _ in range(3)] == [200, 200, 200]
    _assert_429(client.get(CREDITS))


def test_retry_after_is_honest_and_refusals_do_not_count(api_client, make_user, settings):
    settings.ISAMURAI_THROTTLE_READ = "2/sec"
    _, key = make_user(credits=5)
    client = _client(api_client, key)
    while client.get(CREDITS).status_code == 200:  # use up the allowance, wherever in the second we are
        pass
    for _ in range(5):  # hammering while refused doesn't push the next allowed request further away
        refused = client.get(CREDITS)
        assert refused.status_code == 429
    time.sleep(int(refused["Retry-After"]))
    assert client.get(CREDITS).status_code == 200


def test_limit_is_per_key(api_client, make_user, settings):
    settings.ISAMURAI_THROTTLE_READ = "2/min"
    user, key = make_user(credits=5)
    _, other_user_key = make_user(credits=5)
    client = _client(api_client, key)
    for _ in range(2):
        assert client.get(CREDITS).status_code == 200
    _assert_429(client.get(CREDITS))
    _, second_key = api_key_create(user=user)
    assert _client(api_client, second_key).get(CREDITS).status_code == 200
    assert _client(api_client, other_user_key).get(CREDITS).status_code == 200


def test_throttled_charge_takes_nothing(api_client, make_user, settings):
    """The charge bucket is separate from the read bucket; a refused process-swap leaves the
    Draft job and the balance as they were."""
    settings.ISAMURAI_THROTTLE_CHARGE = "2/min"
    user, key = make_user(credits=100)
    draft = FaceSwapJob.objects.create(user=user, kind="faceswap", media_type="image",
                                       inputs={"source": "uploads/x/source.jpg", "target": "uploads/x/target.jpg"})
    client = _client(api_client, key)
    unknown = "00000000-0000-0000-0000-000000000000"
    for _ in range(2):  # refused by the view (unknown job), still counted
        assert client.post("/api/process-swap/", {"instance": unknown}, format="json").status_code == 404
    _assert_429(client.post("/api/process-swap/", {"instance": str(draft.id)}, format="json"))
    draft.refresh_from_db()
    assert draft.status == JobStatus.DRAFT and draft.credits_charged == 0
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100
    # Reads have their own bucket.
    assert client.get(CREDITS).status_code == 200


def test_plan_overrides_the_default(api_client, make_user, settings):
    settings.ISAMURAI_THROTTLE_READ = "1/min"
    _, basic_key = make_user(credits=1)
    pro_user, pro_key = make_user(credits=1, plan="Pro")
    Plan.objects.filter(pk=pro_user.plan_id).update(throttle_read="4/min")
    pro = _client(api_client, pro_key)
    assert [pro.get(CREDITS).status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    basic = _client(api_client, basic_key)
    assert [basic.get(CREDITS).status_code for _ in range(2)] == [200, 429]


def test_a_user_without_a_plan_gets_the_default_plans_rates(api_client, make_user, settings):
    """#21: like every other limit, a user with no plan of their own is on the default plan."""
    settings.ISAMURAI_THROTTLE_READ = "1000/min"
    user, key = make_user(credits=1)
    assert user.plan_id is None
    Plan.objects.create(name="Starter", is_default=True, throttle_read="2/min")
    client = _client(api_client, key)
    assert [client.get(CREDITS).status_code for _ in range(3)] == [200, 200, 429]


def test_plan_rate_is_validated_in_the_admin(admin_client):
    response = admin_client.post("/admin/accounts/plan/add/", {"name": "Bad", "throttle_read": "fast",
                                                               "throttle_charge": ""})
    assert response.status_code == 200 and not Plan.objects.filter(name="Bad").exists()
    assert "requests/period" in response.content.decode()
    # The add form's other fields as it pre-fills them (the plan's price and limits, see tests/billing).
    defaults = {"price_monthly": "0", "currency": "usd", "monthly_credits": "0", "queue_priority": "0"}
    response = admin_client.post("/admin/accounts/plan/add/", {"name": "Team", "throttle_read": "1200/min",
                                                               "throttle_charge": "90/min", **defaults})
    assert response.status_code == 302
    assert Plan.objects.filter(name="Team", throttle_read="1200/min", throttle_charge="90/min").exists()
