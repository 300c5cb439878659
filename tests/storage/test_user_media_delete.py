"""user_media_delete (what "delete my account" calls): every file of a user's work goes from the
bucket (moto's S3 server on 127.0.0.1) and from this host, running jobs stopped first; another
user's files stay."""
import uuid

import pytest

from apps.core.storage import media_storage
from apps.core.uploads import UploadFolder
from apps.jobs.models import JobStatus
from apps.jobs.services import job_media_paths, job_queue
from apps.ops.retention import user_media_delete
from apps.restore.models import GallerySource, RestoredImage
from apps.swap.models import FaceSwapJob, Preview

pytestmark = pytest.mark.django_db


def _stored(prefix: str, *names: str) -> list[str]:
    folder = UploadFolder(relpath=f"{prefix}/{uuid.uuid4().hex}")
    folder.path.mkdir(parents=True)
    return [folder.save_bytes(b"media bytes", stem=name.rsplit(".", 1)[0]) for name in names]


def _work_of(user) -> dict:
    target, source, thumbnail = _stored("uploads", "target.mp4", "source_P1_0.img", "thumbnail_P1.img")
    done = FaceSwapJob.objects.create(user=user, inputs={"target": target}, files=[target, source, thumbnail],
                                      status=JobStatus.DONE, output_file=_stored("outputs", "out.mp4")[0])
    queued = job_queue(job=FaceSwapJob.objects.create(user=user, inputs={"target": _stored("uploads", "t.mp4")[0]}),
                       price=2)
    preview = Preview.objects.create(user=user, output_file=_stored("previews", "preview.jpg")[0])
    restored = RestoredImage.objects.create(user=user, mode="restore", output_file=_stored("restored", "r.jpg")[0])
    gallery = GallerySource.objects.create(user=user, file=_stored("gallery", "source_0.jpg")[0])
    return {"jobs": [done, queued], "paths": {*job_media_paths(job=done), *job_media_paths(job=queued),
                                              preview.output_file, restored.output_file, gallery.file}}


def test_user_media_delete_leaves_nothing_of_the_user(s3_settings, tmp_path, make_user):
    s3_settings.ISAMURAI_MEDIA_ROOT = tmp_path / "media"
    storage = media_storage()
    user, _ = make_user(credits=10)
    other, _ = make_user(credits=10)
    mine, theirs = _work_of(user), _work_of(other)
    assert mine["paths"] <= set(storage.list_keys())

    counts = user_media_delete(user=user)

    assert counts == {"jobs": 2, "files": 5, "previews": 1, "restored": 1, "gallery": 1}
    keys = set(storage.list_keys())
    assert not mine["paths"] & keys and theirs["paths"] <= keys
    assert not any(str(path.relative_to(s3_settings.ISAMURAI_MEDIA_ROOT)) in mine["paths"]
                   for path in s3_settings.ISAMURAI_MEDIA_ROOT.rglob("*") if path.is_file())
    for job in mine["jobs"]:
        job.refresh_from_db()
        assert job.expired_at is not None
    assert mine["jobs"][1].status == JobStatus.CANCELLED  # stopped before its files went
    user_media_delete(user=other)
    assert not set(storage.list_keys()) & (mine["paths"] | theirs["paths"])
