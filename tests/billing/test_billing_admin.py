"""The admin edits plans (one default) and credit packages; Stripe's records are read-only."""
from decimal import Decimal

import pytest

from apps.accounts.models import Plan, User
from apps.billing.models import CreditPackage, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(admin)
    return client


def _plan_form(name: str, **fields) -> dict:
    form = {"name": name, "description": "", "price_monthly": "0", "currency": "usd", "monthly_credits": "0",
            "stripe_price_id": "", "max_video_seconds": "", "max_quality": "", "max_image_pixels": "",
            "queue_priority": "0", "throttle_read": "", "throttle_charge": "", "retention_hours": "",
            "is_public": "on"}
    form.update(fields)
    return form


def test_plans_are_edited_in_the_admin_with_one_default(admin_client):
    response = admin_client.post("/admin/accounts/plan/add/", _plan_form(
        "Free", is_default="on", max_video_seconds="60", max_quality="720p", max_image_pixels="4000000",
        retention_hours="24", visible_label_required="on", queue_priority="1"))
    assert response.status_code == 302, response.content.decode()[:2000]
    free = Plan.objects.get(name="Free")
    assert (free.is_default, free.max_video_seconds, free.max_quality, free.max_image_pixels,
            free.retention_hours, free.visible_label_required, free.queue_priority) == (
        True, 60, "720p", 4_000_000, 24, True, 1)
    response = admin_client.post("/admin/accounts/plan/add/", _plan_form(
        "Pro", is_default="on", price_monthly="19.00", monthly_credits="500"))
    assert response.status_code == 302
    assert list(Plan.objects.filter(is_default=True).values_list("name", flat=True)) == ["Pro"]
    bad = admin_client.post("/admin/accounts/plan/add/", _plan_form("Bad", throttle_read="lots"))
    assert bad.status_code == 200 and "Write a rate as requests/period" in bad.content.decode()
    assert admin_client.get(f"/admin/accounts/plan/{free.pk}/change/").status_code == 200


def test_credit_packages_in_the_admin(admin_client):
    response = admin_client.post("/admin/billing/creditpackage/add/", {
        "name": "Starter", "credits": "100", "price": "9.99", "currency": "usd", "active": "on"})
    assert response.status_code == 302
    package = CreditPackage.objects.get()
    assert (package.credits, package.price) == (100, Decimal("9.99"))
    assert admin_client.get("/admin/billing/creditpackage/").status_code == 200
    assert admin_client.get("/admin/billing/payment/").status_code == 200
    assert admin_client.get("/admin/billing/payment/add/").status_code == 403
    assert not Payment.objects.exists()
