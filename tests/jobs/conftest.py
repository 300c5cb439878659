"""Fixtures of the job-engine tests: workers running the test pipeline (an ffmpeg re-encode)."""
import shutil
import uuid
from pathlib import Path

import pytest

from apps.swap.models import FaceSwapJob
from tests.worker_process import WorkerPool, broker_purge

TEST_PIPELINES = '{"faceswap": "tests.jobs.pipelines:reencode", "slowmotion": "tests.jobs.pipelines:reencode"}'


def _pool_lifetime(django_db_blocker):
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_PIPELINES_JSON": TEST_PIPELINES})
    yield pool
    pool.stop_all()


@pytest.fixture(scope="module")
def module_workers(django_db_setup, django_db_blocker):
    """Workers shared by a module's tests."""
    yield from _pool_lifetime(django_db_blocker)


@pytest.fixture
def workers(django_db_setup, django_db_blocker):
    """Workers of one test, all stopped when it ends."""
    yield from _pool_lifetime(django_db_blocker)


@pytest.fixture
def clip(testdata) -> Path:
    return testdata / "videos" / "liveportrait_d0.mp4"  # 78 frames, no audio


@pytest.fixture
def make_job(settings):
    """A Draft face-swap job whose target is a copy of `video` under the media root."""
    media = Path(settings.ISAMURAI_MEDIA_ROOT)

    def _make(user, video: Path, **fields) -> FaceSwapJob:
        job_id = uuid.uuid4()
        relpath = f"uploads/{job_id.hex}/{video.name}"
        (media / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(video, media / relpath)
        return FaceSwapJob.objects.create(id=job_id, user=user, inputs={"target": relpath}, **fields)

    return _make
