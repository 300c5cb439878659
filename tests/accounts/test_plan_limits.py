"""A plan's limits, enforced when a request is submitted: a refusal is a 403 naming the limit and
the plan, with nothing charged, no job and no upload left behind; a request within the limits
runs on a real worker. Also: the default plan of new accounts, per-plan retention, the label."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Plan, User
from apps.accounts.services import plan_save, user_get_or_create
from apps.jobs.models import Job, JobStatus
from apps.jobs.selectors import job_expires_at_get, jobs_due_for_expiry_list
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from tests.jobs.conftest import clip, make_job  # noqa: F401  (fixtures)
from tests.swap.conftest import (  # noqa: F401  (fixtures: the face swap API's worker, models and media)
    api_models_dir,
    derived,
    images,
    nothing_left_behind,
    swap_worker,
    videos,
)
from tests.worker_process import wait_finished

pytestmark = pytest.mark.django_db(transaction=True)


def _api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _plan(name: str, **limits) -> Plan:
    return plan_save(plan=Plan(name=name, **limits))


def _swap(client: Client, source, target, **data):
    with open(source, "rb") as src, open(target, "rb") as tgt:
        return client.post("/api/full-process-swap/", {"source_image": src, "target_media": tgt, **data})


def _refused(response, *, limit: str, plan: Plan) -> dict:
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["success"] is False and f"plan '{plan.name}'" in body["error"]
    assert "nothing was charged" in body["error"]
    assert body["details"]["plan_limit"]["limit"] == limit
    assert body["details"]["plan_limit"]["plan"] == plan.name and body["details"]["plan_limit"]["plan_id"] == plan.pk
    return body["details"]["plan_limit"]


def test_a_video_longer_than_the_plan_allows_is_refused_before_any_charge(make_user, images, derived,  # noqa: F811
                                                                        nothing_left_behind):  # noqa: F811
    plan = _plan("Short clips", max_video_seconds=1)
    user, key = make_user(credits=50, plan=plan.name)
    response = _swap(_api(key), images / "obama.jpg", derived / "talking_2s.mp4", gquality="480p")
    limit = _refused(response, limit="max_video_seconds", plan=plan)
    assert limit["allowed"] == 1 and limit["requested"] == pytest.approx(2.0, abs=0.1)
    nothing_left_behind(user, balance=50)


def test_a_quality_above_the_plan_is_refused(make_user, images, derived, nothing_left_behind):  # noqa: F811
    plan = _plan("SD", max_quality="480p")
    user, key = make_user(credits=50, plan=plan.name)
    response = _swap(_api(key), images / "obama.jpg", derived / "talking_2s.mp4", gquality="1080p")
    assert _refused(response, limit="max_quality", plan=plan) == {
        "limit": "max_quality", "plan_id": plan.pk, "plan": "SD", "allowed": "480p", "requested": "1080p"}
    nothing_left_behind(user, balance=50)


def test_an_image_larger_than_the_plan_allows_is_refused_for_swap_and_restore(make_user, images,  # noqa: F811
                                                                             nothing_left_behind):  # noqa: F811
    plan = _plan("Small images", max_image_pixels=10_000)
    user, key = make_user(credits=50, plan=plan.name)
    client = _api(key)
    _refused(_swap(client, images / "obama.jpg", images / "biden2.jpg", gquality="480p"),
             limit="max_image_pixels", plan=plan)
    with open(images / "biden2.jpg", "rb") as image:
        _refused(client.post("/api/restore-image/", {"image": image, "mode": "restore"}),
                 limit="max_image_pixels", plan=plan)
    nothing_left_behind(user, balance=50)


def test_slow_motion_past_the_plan_is_refused_at_upload(make_user, derived, nothing_left_behind):  # noqa: F811
    plan = _plan("Tiny", max_video_seconds=1, max_quality="720p")
    user, key = make_user(credits=50, plan=plan.name)
    with open(derived / "talking_2s.mp4", "rb") as video:
        response = _api(key).post("/api/slowmotion/", {"source_video": video, "slowdown_factor": 2,
                                                       "quality": "480p", "mode": "slowmo"})
    _refused(response, limit="max_video_seconds", plan=plan)
    nothing_left_behind(user, balance=50)


def test_the_default_plan_limits_accounts_without_a_plan(make_user, images, derived):  # noqa: F811
    default = _plan("Free", is_default=True, max_quality="480p")
    user, key = make_user(credits=50)
    user.refresh_from_db()
    assert user.plan == default  # given to new accounts
    User.objects.filter(pk=user.pk).update(plan=None)  # an account from before plans had a default
    _refused(_swap(_api(key), images / "obama.jpg", derived / "talking_2s.mp4", gquality="720p"),
             limit="max_quality", plan=default)
    body = _api(key).get("/api/user-credits/").json()
    assert body["plan_id"] is None and body["plan_name"] is None  # the contract: the user's own plan
    assert body["plan_limits"]["plan_name"] == "Free" and body["plan_limits"]["max_quality"] == "480p"


def test_one_default_plan(db):
    first = _plan("First", is_default=True)
    second = _plan("Second", is_default=True)
    first.refresh_from_db()
    assert not first.is_default and second.is_default
    assert list(Plan.objects.filter(is_default=True)) == [second]
    new_user, _ = user_get_or_create(username="newcomer")
    assert new_user.plan == second


@pytest.mark.slow
def test_a_job_within_the_limits_runs_and_one_past_them_is_refused(swap_worker, make_user, images, derived):  # noqa: F811
    plan = _plan("Basic", max_video_seconds=5, max_quality="720p", visible_label_required=True,
                 price_monthly=Decimal("5"), monthly_credits=100)
    user, key = make_user(credits=20, plan=plan.name)
    client = _api(key)
    refused = _swap(client, images / "obama.jpg", derived / "talking_2s.mp4", gquality="1080p")
    _refused(refused, limit="max_quality", plan=plan)
    assert credit_balance_get(user=user) == 20 and not Job.objects.filter(user=user).exists()

    accepted = _swap(client, images / "obama.jpg", derived / "talking_2s.mp4", gquality="480p", label="false")
    assert accepted.status_code == 201, accepted.content
    job = Job.objects.get(pk=accepted.json()["faceswap"]["id"])
    assert job.label is True  # the plan puts the visible label on every output, whatever the request says
    finished = wait_finished(job, timeout=120)
    assert finished.status == JobStatus.DONE, finished.error
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 20 - finished.credits_charged
    body = client.get("/api/user-credits/").json()
    assert body["plan_id"] == plan.pk and body["plan_name"] == "Basic"
    assert body["plan_limits"]["max_quality"] == "720p" and body["plan_limits"]["queue_priority"] == 0


def test_each_plan_keeps_jobs_for_its_own_retention(make_user, make_job, clip, settings):  # noqa: F811
    settings.ISAMURAI_RETENTION_HOURS = 72
    brief = _plan("Brief", retention_hours=1)
    user_brief, _ = make_user(plan=brief.name)
    user_server, _ = make_user()
    now = timezone.now()
    ended = {"status": JobStatus.DONE, "finished_at": now - timedelta(hours=2)}
    job_brief = make_job(user_brief, clip, **ended)
    job_server = make_job(user_server, clip, **ended)
    due = set(jobs_due_for_expiry_list(now=now).values_list("pk", flat=True))
    assert job_brief.pk in due and job_server.pk not in due
    assert job_expires_at_get(job=job_brief) == job_brief.finished_at + timedelta(hours=1)
    assert job_expires_at_get(job=job_server) == job_server.finished_at + timedelta(hours=72)


def test_the_console_shows_the_plan_limit_as_a_form_error(make_user, images, derived):  # noqa: F811
    plan = _plan("Console SD", max_quality="480p")
    user, _ = make_user(credits=50, plan=plan.name)
    client = Client()
    client.force_login(user)
    with open(images / "obama.jpg", "rb") as source, open(derived / "talking_2s.mp4", "rb") as target:
        response = client.post("/new/faceswap/", {"source_image": source, "target_media": target,
                                                  "gquality": "720p", "face_selection": "reference"})
    assert response.status_code == 200
    assert "Quality 720p is above the highest allowed, 480p" in response.content.decode()
    assert "Console SD" in response.content.decode()
    assert credit_balance_get(user=user) == 50 and not Job.objects.filter(user=user).exists()
