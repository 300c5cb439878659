"""Authentication: every way a key can be wrong answers 401 JSON; a good key reads its owner's balance."""
import pytest

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke

pytestmark = pytest.mark.django_db

URL = "/api/user-credits/"


def _assert_401(response) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert "Api-Key" in body["error"] or "API key" in body["error"]


def test_no_header(api_client):
    _assert_401(api_client.get(URL))


def test_wrong_scheme(api_client, make_user):
    _, key = make_user(credits=5)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    _assert_401(api_client.get(URL))


@pytest.mark.parametrize("credential", ["", "isk_", "isk_short", "nope_" + "a" * 48, "isk_" + "!" * 48, "a b"])
def test_malformed_key(api_client, credential):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {credential}")
    _assert_401(api_client.get(URL))


def test_unknown_key_with_known_prefix(api_client, make_user):
    _, key = make_user(credits=5)
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {forged}")
    _assert_401(api_client.get(URL))


def test_revoked_key(api_client, make_user):
    user, key = make_user(credits=5)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api_client.get(URL).status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(user=user))
    _assert_401(api_client.get(URL))


def test_good_key_reads_owner_balance_and_plan(api_client, make_user):
    user, key = make_user("alice", credits=42, plan="Pro")
    make_user("bob", credits=7)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    response = api_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == user.pk
    assert body["user_credits"] == 42
    assert body["plan_id"] == user.plan.pk and body["plan_name"] == "Pro"
    assert body["credits"] == 42 and body["plan"] == "Pro"


def test_path_without_trailing_slash(api_client, make_user):
    _, key = make_user(credits=3)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api_client.get("/api/user-credits").json()["user_credits"] == 3


def test_each_key_resolves_to_its_own_user(api_client, make_user):
    alice, alice_key = make_user("alice", credits=1)
    bob, bob_key = make_user("bob", credits=2)
    for user, key, credits in ((alice, alice_key, 1), (bob, bob_key, 2)):
        api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        body = api_client.get(URL).json()
        assert (body["user_id"], body["user_credits"]) == (user.pk, credits)


def test_key_is_stored_only_as_hash_and_records_use(api_client, make_user):
    user, key = make_user(credits=1)
    row = ApiKey.objects.get(user=user)
    assert key not in (row.hashed_key, row.prefix) and len(row.hashed_key) == 64
    assert row.last_used_at is None
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    api_client.get(URL)
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_session_auth_works(client, make_user):
    user, _ = make_user(credits=9)
    client.force_login(user)
    assert client.get(URL).json()["user_credits"] == 9
