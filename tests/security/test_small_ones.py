"""Issue #20, item 10: Drafts (free until started) hold a bounded number of bytes per user, and
gallery uploads meet the content policy at upload, so a swap that reuses a stored embedding
can't slip past it."""
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from apps.jobs.models import Job, JobStatus
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.restore.models import GallerySource
from apps.swap.models import FaceSwapJob

pytestmark = pytest.mark.django_db(transaction=True)


def _api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _upload_dirs() -> set[str]:
    uploads = Path(settings.ISAMURAI_MEDIA_ROOT) / "uploads"
    return {path.name for path in uploads.iterdir()} if uploads.exists() else set()


def _slowmotion_draft(key: str, clip: Path):
    with open(clip, "rb") as video:
        return _api(key).post("/api/slowmotion/", {"source_video": video, "slowdown_factor": "2",
                                                   "quality": "480p", "mode": "fps"})


def test_drafts_of_a_user_without_credits_are_capped(make_user, derived, settings):
    clip = derived / "talking_2s.mp4"
    settings.ISAMURAI_DRAFT_QUOTA_BYTES = int(clip.stat().st_size * 2.5)  # room for two drafts
    user, key = make_user(credits=0)
    first, second = _slowmotion_draft(key, clip), _slowmotion_draft(key, clip)
    assert first.status_code in (200, 201) and second.status_code in (200, 201), first.content
    assert sum(Job.objects.filter(user=user).values_list("input_bytes", flat=True)) == 2 * clip.stat().st_size

    before = _upload_dirs()
    third = _slowmotion_draft(key, clip)
    assert third.status_code == 403
    body = third.json()
    assert body["success"] is False and "limit is" in body["error"] and "DELETE /api/jobs/" in body["error"]
    assert Job.objects.filter(user=user).count() == 2 and _upload_dirs() == before  # nothing stored
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 0

    # Deleting a draft's files frees its share of the quota.
    draft = Job.objects.filter(user=user).first()
    assert _api(key).delete(f"/api/jobs/{draft.id}/").status_code == 200
    assert _slowmotion_draft(key, clip).status_code in (200, 201)


def test_the_quota_is_per_user_and_counts_only_drafts(make_user, derived, settings):
    clip = derived / "talking_2s.mp4"
    settings.ISAMURAI_DRAFT_QUOTA_BYTES = int(clip.stat().st_size * 1.5)
    user, key = make_user(credits=0)
    _, other_key = make_user(credits=0)
    assert _slowmotion_draft(key, clip).status_code in (200, 201)
    assert _slowmotion_draft(other_key, clip).status_code in (200, 201)  # another user's quota
    assert _slowmotion_draft(key, clip).status_code == 403
    Job.objects.filter(user=user).update(status=JobStatus.QUEUED)  # started: no longer a Draft
    assert _slowmotion_draft(key, clip).status_code in (200, 201)


def test_a_face_swap_draft_counts_against_the_quota(make_user, derived, images, settings):
    clip = derived / "talking_2s.mp4"
    settings.ISAMURAI_DRAFT_QUOTA_BYTES = int(clip.stat().st_size * 1.5)
    user, key = make_user(credits=0)
    assert _slowmotion_draft(key, clip).status_code in (200, 201)
    before = _upload_dirs()
    with open(images / "obama.jpg", "rb") as source, open(clip, "rb") as target:
        refused = _api(key).post("/api/faceswap/", {"source_image": source, "target_media": target,
                                                     "gquality": "480p"})
    assert refused.status_code == 403 and "drafts" in refused.json()["error"]
    assert not FaceSwapJob.objects.filter(user=user).exists() and _upload_dirs() == before


# --- the content policy on gallery uploads ---------------------------------------------------

def _gallery_upload(key: str, image: Path):
    with open(image, "rb") as handle:
        return _api(key).post("/api/gallery/sources/", {"images": handle})


def _draft_swap(key: str, source_id: str, target: Path):
    with open(target, "rb") as handle:
        return _api(key).post("/api/faceswap/", {"source_id": source_id, "target_media": handle, "gquality": "480p"})


@pytest.mark.slow
def test_block_mode_refuses_a_gallery_upload(policy_worker, policy, make_user, red_source, images):
    policy("block")
    user, key = make_user(credits=10)
    gallery = Path(settings.ISAMURAI_MEDIA_ROOT) / "gallery"
    before = set(gallery.iterdir()) if gallery.exists() else set()
    response = _gallery_upload(key, red_source)
    assert response.status_code == 400 and "The gallery image images[0] looks like" in response.json()["error"]
    assert not GallerySource.objects.filter(user=user).exists()
    assert (set(gallery.iterdir()) if gallery.exists() else set()) == before
    assert _gallery_upload(key, images / "obama.jpg").status_code == 201  # a clean photo passes


@pytest.mark.slow
def test_flag_mode_marks_the_source_and_every_swap_using_it(policy_worker, policy, make_user, red_source,
                                                            images):
    policy("flag")
    user, key = make_user(credits=10)
    uploaded = _gallery_upload(key, red_source)
    assert uploaded.status_code == 201, uploaded.content
    source = GallerySource.objects.get(user=user)
    assert source.content_scanned and source.content_flag_reason and source.embedding
    draft = _draft_swap(key, str(source.id), images / "biden.jpg")
    assert draft.status_code == 201, draft.content
    job = FaceSwapJob.objects.get(user=user)
    assert job.content_flagged and job.content_flag_reason.startswith("source_id: ")

    # The operator turns block on: the flagged source no longer passes, whatever its embedding.
    policy("block")
    refused = _draft_swap(key, str(source.id), images / "biden.jpg")
    assert refused.status_code == 400 and "gallery source source_id" in refused.json()["error"]
    assert FaceSwapJob.objects.filter(user=user).count() == 1
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10


@pytest.mark.slow
def test_a_source_stored_while_the_policy_was_off_is_scanned_by_the_swap(policy_worker, policy,
                                                                         make_user, red_source, images):
    policy("off")
    user, key = make_user(credits=10)
    assert _gallery_upload(key, red_source).status_code == 201
    source = GallerySource.objects.get(user=user)
    assert not source.content_scanned and source.embedding
    policy("block")
    refused = _draft_swap(key, str(source.id), images / "biden.jpg")
    assert refused.status_code == 400, refused.content
    assert not FaceSwapJob.objects.filter(user=user).exists()
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10
