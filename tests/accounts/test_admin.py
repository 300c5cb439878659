"""Admin: a new key is shown once and works; revoke and grant go through the services."""
import re

import pytest

from apps.accounts.models import ApiKey, User
from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get, ledger_sum_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = User.objects.create_superuser("root", "root@example.com", "pw-for-tests-only")
    client.force_login(admin)
    return client


def test_admin_creates_key_shows_it_once(staff_client, make_user, api_client):
    user, _ = make_user("erin", credits=4)
    response = staff_client.post("/admin/accounts/apikey/add/", {"user": user.pk, "name": "ci"}, follow=True)
    page = response.content.decode()
    keys = re.findall(r"isk_[A-Za-z0-9]{48}", page)
    assert len(keys) == 1
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {keys[0]}")
    assert api_client.get("/api/user-credits/").json()["user_credits"] == 4
    row = ApiKey.objects.get(user=user, name="ci")
    detail = staff_client.get(f"/admin/accounts/apikey/{row.pk}/change/").content.decode()
    assert keys[0] not in detail


def test_admin_revoke_action(staff_client, make_user, api_client):
    user, key = make_user("frank")
    row = ApiKey.objects.get(user=user)
    staff_client.post(
        "/admin/accounts/apikey/", {"action": "revoke_keys", "_selected_action": [str(row.pk)]}, follow=True
    )
    row.refresh_from_db()
    assert row.revoked_at is not None
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api_client.get("/api/user-credits/").status_code == 401


def test_admin_grant_action_posts_ledger_entries(staff_client, make_user):
    user, _ = make_user("gina", credits=1)
    form = {"action": "grant_credits", "_selected_action": [str(user.pk)]}
    confirm = staff_client.post("/admin/accounts/user/", form)
    assert b"Post credits" in confirm.content
    staff_client.post("/admin/accounts/user/", {**form, "apply": "1", "amount": "25", "note": "promo"})
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 26
    assert LedgerEntry.objects.filter(account__user=user, kind="grant", note="promo").count() == 1


def test_admin_ledger_is_read_only(staff_client, make_user):
    make_user("hank", credits=3)
    entry = LedgerEntry.objects.first()
    assert staff_client.get("/admin/ledger/ledgerentry/add/").status_code == 403
    assert staff_client.post(f"/admin/ledger/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403


def test_admin_cancel_action_refunds_half_like_stop_job(staff_client, make_user):
    from apps.jobs.services import job_queue
    from apps.swap.models import FaceSwapJob

    user, _ = make_user("ivan", credits=30)
    job = job_queue(job=FaceSwapJob.objects.create(user=user), price=11)
    page = staff_client.get("/admin/jobs/job/", {"status__exact": "Queued"})
    assert str(job.id) in page.content.decode()
    staff_client.post("/admin/jobs/job/", {"action": "cancel_jobs", "_selected_action": [str(job.id)]})
    job.refresh_from_db()
    assert job.status == "Cancelled"
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 30 - 11 + 5
