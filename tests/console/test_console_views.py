"""The console's pages without a browser: sign-in required, own objects only, CSRF, pagination,
service errors shown on the page."""
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_create
from apps.jobs.models import JobSegment, JobStatus
from apps.ledger.selectors import credit_balance_get
from apps.ledger.services import credits_grant
from apps.swap.models import FaceSwapJob

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGES = ["console:index", "console:jobs", "console:profile", "console:faceswap-new", "console:multiswap-new",
         "console:slowmotion-new", "console:restore", "console:gallery", "console:jobs-status"]


def _job(user, **fields) -> FaceSwapJob:
    return FaceSwapJob.objects.create(user=user, **fields)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login") + "?next=")


def test_posts_need_sign_in(client, console_user):
    owner = console_user("owner", credits=10)
    job = _job(owner, status=JobStatus.QUEUED, credits_charged=4)
    response = client.post(reverse("console:job-cancel", args=[job.id]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_for_a_signed_in_user(console_user, name):
    client = _signed_in(console_user("alice", credits=5))
    response = client.get(reverse(name), follow=True)
    assert response.status_code == 200


def test_sign_in_with_the_form(client, console_user):
    console_user("alice")
    bad = client.post(reverse("console:login"), {"login": "alice", "password": "wrong"})
    assert bad.status_code == 200 and b"password you specified are not correct" in bad.content
    good = client.post(reverse("console:login"), {"login": "alice", "password": PASSWORD})
    assert good.status_code == 302 and good["Location"] == reverse("console:jobs")
    out = client.post(reverse("console:logout"))
    assert out.status_code == 302 and out["Location"] == reverse("console:login")
    assert client.get(reverse("console:jobs")).status_code == 302


def test_a_user_sees_only_their_own_jobs(console_user):
    alice, bob = console_user("alice", credits=10), console_user("bob", credits=10)
    mine = _job(alice, name="alice-job")
    theirs = _job(bob, name="bob-job", status=JobStatus.QUEUED, credits_charged=4)
    client = _signed_in(alice)
    page = client.get(reverse("console:jobs")).content.decode()
    assert "alice-job" in page and "bob-job" not in page
    assert client.get(reverse("console:job", args=[mine.id])).status_code == 200
    assert client.get(reverse("console:job", args=[theirs.id])).status_code == 404
    assert client.post(reverse("console:job-cancel", args=[theirs.id])).status_code == 404
    assert client.post(reverse("console:job-start", args=[theirs.id])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == JobStatus.QUEUED and credit_balance_get(user=bob) == 10
    status = client.get(reverse("console:jobs-status"), {"id": [str(mine.id), str(theirs.id), "junk"]}).json()
    assert [job["id"] for job in status["jobs"]] == [str(mine.id)]


def test_a_user_cannot_revoke_another_users_key(console_user):
    alice, bob = console_user("alice"), console_user("bob")
    bobs_key, _ = api_key_create(user=bob)
    response = _signed_in(alice).post(reverse("console:key-revoke", args=[bobs_key.id]))
    assert response.status_code == 404
    bobs_key.refresh_from_db()
    assert bobs_key.revoked_at is None


def test_posts_need_the_csrf_token(console_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(console_user("alice"))
    assert client.post(reverse("console:key-create"), {"name": "x"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_key_is_shown_once_then_listed_by_prefix(console_user):
    alice = console_user("alice")
    client = _signed_in(alice)
    response = client.post(reverse("console:key-create"), {"name": "laptop"}, follow=True)
    key = ApiKey.objects.get(user=alice)
    page = response.content.decode()
    assert f'value="isk_{key.prefix}' in page and "It will not be shown again" in page
    again = client.get(reverse("console:profile")).content.decode()
    assert f"isk_{key.prefix}…" in again and 'id="new-key"' not in again
    client.post(reverse("console:key-revoke", args=[key.id]))
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_ledger_history_is_paginated(console_user):
    alice = console_user("alice")
    for n in range(20):
        credits_grant(user=alice, amount=n + 1, note=f"grant {n}")
    client = _signed_in(alice)
    first = client.get(reverse("console:profile")).content.decode()
    second = client.get(reverse("console:profile"), {"page": 2}).content.decode()
    assert first.count('class="ledger-row') == 15 and second.count('class="ledger-row') == 5
    assert "grant 19" in first and "grant 0" in second and "Page 2 of 2" in second
    assert ">210<" in first  # the balance: 1 + 2 + ... + 20


def test_insufficient_credits_is_a_form_error(console_user, testdata):
    client = _signed_in(console_user("alice", credits=1))
    with open(testdata / "images" / "obama.jpg", "rb") as source, \
            open(testdata / "videos" / "liveportrait_d0.mp4", "rb") as target:
        response = client.post(reverse("console:faceswap-new"), {
            "source_image": source, "target_media": target, "gquality": "480p", "face_selection": "reference"})
    assert response.status_code == 200
    assert "Insufficient credits: need 3, have 1" in response.content.decode()
    assert not FaceSwapJob.objects.exists()


def test_slow_motion_without_credits_stays_a_draft_with_a_message(console_user, testdata):
    alice = console_user("alice")
    client = _signed_in(alice)
    with open(testdata / "videos" / "liveportrait_d0.mp4", "rb") as video:
        response = client.post(reverse("console:slowmotion-new"), {
            "source_video": video, "slowdown_factor": "2", "quality": "480p", "mode": "slowmo"}, follow=True)
    page = response.content.decode()
    assert "Uploaded, but not started: Insufficient credits: need 7, have 0" in page
    assert "Start · 7 credits" in page and ">Draft<" in page


def test_face_swap_form_needs_a_source(console_user, testdata):
    client = _signed_in(console_user("alice", credits=10))
    with open(testdata / "videos" / "liveportrait_d0.mp4", "rb") as target:
        response = client.post(reverse("console:faceswap-new"), {"target_media": target, "gquality": "480p",
                                                                  "face_selection": "reference"})
    assert "Choose a source face" in response.content.decode()


def test_queued_jobs_show_their_place_in_the_queue_and_eta(console_user):
    alice, bob = console_user("alice", credits=10), console_user("bob", credits=10)
    now = timezone.now()
    _job(bob, name="bob-job", status=JobStatus.QUEUED, queued_at=now - timedelta(seconds=5), work_seconds=60)
    mine = _job(alice, name="alice-job", status=JobStatus.QUEUED, queued_at=now, work_seconds=60)
    client = _signed_in(alice)
    status = client.get(reverse("console:jobs-status"), {"id": [str(mine.id)]}).json()["jobs"][0]
    assert status["queue_position"] == 2 and status["eta_seconds"] > 0 and status["eta_text"].startswith("done in")
    for page in (client.get(reverse("console:jobs")), client.get(reverse("console:job", args=[mine.id]))):
        assert f"#2 in the queue, {status['eta_text']}" in page.content.decode()


@pytest.mark.parametrize("name", ["console:faceswap-new", "console:multiswap-new"])
def test_the_swap_forms_offer_every_swapper_default_inswapper(console_user, name):
    """The swapper choice comes from its one declaration (workers/processors/face_swap.py)."""
    page = _signed_in(console_user("alice", credits=5)).get(reverse(name)).content.decode()
    assert 'name="swap_model"' in page and 'id="id_swap_model"' in page
    for value in ("inswapper_128", "hyperswap_1a_256", "hyperswap_1b_256", "hyperswap_1c_256",
                  "ghost_1_256", "ghost_2_256", "ghost_3_256",
                  "simswap_256"):
        assert f'value="{value}"' in page
    assert '<option value="inswapper_128" selected>' in page


def test_a_split_job_shows_its_parts_and_where_they_ran(console_user):
    alice = console_user("alice", credits=10)
    job = _job(alice, name="long", status=JobStatus.QUEUED, queued_at=timezone.now())
    for index, (status, worker) in enumerate((("Done", "gpu-a@host1"), ("Processing", "gpu-b@host2"))):
        JobSegment.objects.create(job=job, index=index, start_frame=900 * index, end_frame=900 * index + 900,
                                  read_start=900 * index, read_end=900 * index + 900, status=status, worker=worker)
    client = _signed_in(alice)
    page = client.get(reverse("console:job", args=[job.id])).content.decode()
    assert "#0</span> Done on gpu-a@host1" in page and "#1</span> Processing on gpu-b@host2" in page
    status = client.get(reverse("console:jobs-status"), {"id": [str(job.id)]}).json()["jobs"][0]
    assert status["segments"] == [{"index": 0, "worker": "gpu-a@host1", "status": "Done"},
                                  {"index": 1, "worker": "gpu-b@host2", "status": "Processing"}]
