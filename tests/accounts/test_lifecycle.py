"""The account's lifecycle: suspend (keys 403, jobs stopped and refunded), "download my data"
(the zip's contents) and "delete my account" (keys revoked, every file gone on disk and in the
bucket, the ledger kept under an anonymised user), by the user and by the admin."""
import csv
import io
import json
import shutil
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from moto.server import ThreadedMotoServer

from apps.accounts.models import User
from apps.core.storage import media_storage
from apps.jobs.models import Job, JobStatus
from apps.jobs.services import job_queue
from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get
from apps.ledger.services import credits_charge
from apps.membership.models import SignupRecord, Suspension
from apps.membership.signals import account_deleted
from apps.restore.models import GallerySource, RestoredImage
from apps.swap.models import Preview

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
BUCKET = "isamurai-accounts-test"
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _admin_action(admin_client, action: str, users: list[User], **extra):
    return admin_client.post(reverse("admin:accounts_user_changelist"),
                             {"action": action, "_selected_action": [u.pk for u in users], **extra})


def _person(make_user, name: str, credits: int = 30) -> tuple[User, str]:
    user, key = make_user(name, credits=credits)
    user.email = f"{name}@example.test"
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user, key


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _own_file(media: Path, area: str, source: Path, name: str) -> str:
    relpath = f"{area}/{uuid.uuid4().hex}/{name}"
    (media / relpath).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, media / relpath)
    media_storage().push(relpath)
    return relpath


def _belongings(user: User, *, media: Path, make_job, clip: Path, testdata: Path) -> dict:
    """A finished job with an output, a queued (charged) job, a gallery source, a restored image
    and a preview, as the API would have left them."""
    photo = testdata / "images" / "obama.jpg"
    done = make_job(user, clip, output=True, credits_charged=4)
    credits_charge(user=user, amount=4, job_kind="faceswap", job_id=done.id, note="swap")
    media_storage().push(done.inputs["target"])
    media_storage().publish(done.output_file)
    queued = job_queue(job=make_job(user, clip), price=5)
    gallery = GallerySource.objects.create(user=user, file=_own_file(media, "gallery", photo, "source_0.jpg"))
    restored = RestoredImage.objects.create(user=user, mode="face", output_file=_own_file(
        media, "restored", photo, "restored.jpg"), credits_charged=1)
    preview = Preview.objects.create(user=user, output_file=_own_file(media, "previews", photo, "preview.jpg"))
    return {"done": done, "queued": queued, "gallery": gallery, "restored": restored, "preview": preview,
            "photo": photo}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(params=["disk", "bucket"])
def storage(request, settings, monkeypatch):
    """Media on the local disk, or in an S3 bucket (moto's server on loopback)."""
    if request.param == "bucket":
        endpoint = request.getfixturevalue("s3_endpoint")
        for name, value in S3_ENV.items():
            monkeypatch.setenv(name, value)
        settings.ISAMURAI_S3_BUCKET, settings.ISAMURAI_S3_ENDPOINT_URL = BUCKET, endpoint
        settings.ISAMURAI_S3_REGION = "us-east-1"
    return request.param


def _bucket_keys() -> set[str]:
    storage = media_storage()
    if not hasattr(storage, "client"):
        return set()
    return {item["Key"] for item in storage.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


# --- suspend ---------------------------------------------------------------------------------

def test_suspend_refuses_keys_with_403_and_stops_jobs_with_their_refund(make_user, make_job, clip, admin_client):
    user, key = _person(make_user, "abuser", credits=20)
    job = job_queue(job=make_job(user, clip), price=5)
    assert credit_balance_get(user=user) == 15 and _api(key).get("/api/user-credits/").status_code == 200
    session = Client()
    session.force_login(user)

    assert _admin_action(admin_client, "suspend_accounts", [user]).status_code == 302
    refused = _api(key).get("/api/user-credits/")
    assert refused.status_code == 403
    assert refused.json() == {"error": refused.json()["error"], "success": False}
    assert "suspended" in refused.json()["error"] and "operator" in refused.json()["error"]
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert credit_balance_get(user=user) == 17  # the stop-job refund: half of 5, rounded down
    assert Suspension.objects.filter(user=user).exists()
    assert session.get(reverse("console:profile")).status_code == 302  # signed out

    assert _admin_action(admin_client, "unsuspend_accounts", [user]).status_code == 302
    assert _api(key).get("/api/user-credits/").status_code == 200


def test_admin_lists_accounts_newest_sign_up_first(make_user, admin_client):
    _person(make_user, "older")
    _person(make_user, "newer")
    page = admin_client.get(reverse("admin:accounts_user_changelist"))
    names = [u.username for u in page.context["cl"].result_list]
    assert names.index("newer") < names.index("older")
    assert b"Suspend" in page.content and b"Delete accounts" in page.content
    assert b"delete_selected" not in page.content  # a row delete would take the ledger with it
    SignupRecord.objects.create(user=User.objects.get(username="newer"))
    signed_up = admin_client.get(reverse("admin:accounts_user_changelist") + "?account=signed_up")
    assert [u.username for u in signed_up.context["cl"].result_list] == ["newer"]


# --- download my data ------------------------------------------------------------------------

def test_download_my_data_has_jobs_ledger_and_kept_files(make_user, make_job, clip, testdata, media, storage):
    user, _ = _person(make_user, "exporter")
    things = _belongings(user, media=media, make_job=make_job, clip=clip, testdata=testdata)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("membership:data-export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    done, gallery = things["done"], things["gallery"]
    assert {"account.json", "jobs.json", "ledger.csv", f"outputs/{done.id}.mp4", f"gallery/{gallery.id}.jpg",
            f"restored/{things['restored'].id}.jpg", f"previews/{things['preview'].id}.jpg"} <= names
    assert archive.read(f"outputs/{done.id}.mp4") == clip.read_bytes()
    assert archive.read(f"gallery/{gallery.id}.jpg") == things["photo"].read_bytes()
    account = json.loads(archive.read("account.json"))
    assert account["email"] == "exporter@example.test" and account["api_keys"][0]["prefix"].startswith("isk_")
    jobs = {job["id"]: job for job in json.loads(archive.read("jobs.json"))}
    assert jobs[str(done.id)]["status"] == "Done" and jobs[str(things["queued"].id)]["status"] == "Queued"
    assert jobs[str(done.id)]["job_object"]
    rows = list(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode())))
    assert [(r["kind"], int(r["delta"])) for r in rows] == [("grant", 30), ("charge", -4), ("charge", -5)]
    assert int(rows[-1]["balance_after"]) == credit_balance_get(user=user) == 21


def test_admin_downloads_a_users_data(make_user, admin_client):
    user, _ = _person(make_user, "subject")
    response = _admin_action(admin_client, "download_data", [user])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert json.loads(archive.read("account.json"))["username"] == "subject"


# --- delete my account -----------------------------------------------------------------------

def test_delete_my_account_leaves_nothing_but_anonymous_ledger_rows(make_user, make_job, clip, testdata, media,
                                                                    storage):
    before_files, before_keys = _files(media), _bucket_keys()
    user, key = _person(make_user, "leaver")
    things = _belongings(user, media=media, make_job=make_job, clip=clip, testdata=testdata)
    assert _files(media) - before_files or _bucket_keys() - before_keys
    entries_before = LedgerEntry.objects.filter(account__user=user).count()
    heard = []
    account_deleted.connect(receiver := lambda sender, user, **kw: heard.append(user.email), weak=False)
    try:
        client = Client()
        client.force_login(user)
        wrong = client.post(reverse("membership:account-delete"), {"password": "not-it"})
        assert wrong.status_code == 200 and b"not your password" in wrong.content
        assert _api(key).get("/api/user-credits/").status_code == 200

        gone = client.post(reverse("membership:account-delete"), {"password": PASSWORD})
        assert gone.status_code == 302 and gone["Location"] == reverse("console:login")
    finally:
        account_deleted.disconnect(receiver)
    assert heard == ["leaver@example.test"]
    assert _api(key).get("/api/user-credits/").status_code == 401
    assert _files(media) == before_files, "files of the deleted account are left on disk"
    assert _bucket_keys() == before_keys, "files of the deleted account are left in the bucket"
    for model in (Job, GallerySource, RestoredImage, Preview, EmailAddress):
        assert not model.objects.filter(user=user).exists(), model.__name__
    user.refresh_from_db()
    assert (user.username, user.email, user.is_active, user.has_usable_password()) == (
        f"deleted-{user.pk}", "", False, False)
    entries = LedgerEntry.objects.filter(account__user=user)
    assert entries.count() == entries_before + 1  # the queued job's stop-job refund
    assert entries.filter(kind="refund", job_id=things["queued"].id).exists()
    assert Client().post(reverse("console:login"), {"login": "leaver@example.test", "password": PASSWORD}
                         ).status_code == 200


def test_guessing_the_password_on_the_delete_page_is_limited(make_user, settings):
    user, key = _person(make_user, "borrowed")
    client = Client()
    client.force_login(user)
    limit = int(settings.ACCOUNT_RATE_LIMITS["reauthenticate"].split("/")[0])
    for _ in range(limit):
        assert client.post(reverse("membership:account-delete"), {"password": "guess"}).status_code == 200
    stopped = client.post(reverse("membership:account-delete"), {"password": PASSWORD})
    assert stopped.status_code == 429 and b"Too many attempts" in stopped.content
    assert User.objects.get(pk=user.pk).username == "borrowed"


def test_admin_deletes_an_account_after_confirming(make_user, admin_client):
    user, key = _person(make_user, "removed")
    confirm = _admin_action(admin_client, "delete_accounts", [user])
    assert confirm.status_code == 200 and b"removed@example.test" in confirm.content
    assert User.objects.get(pk=user.pk).username == "removed"  # asked, not done
    done = _admin_action(admin_client, "delete_accounts", [user], apply="1")
    assert done.status_code == 302
    assert User.objects.get(pk=user.pk).username == f"deleted-{user.pk}"
    assert _api(key).get("/api/user-credits/").status_code == 401
