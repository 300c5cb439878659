"""A host's media cache with S3 storage (moto's S3 server on 127.0.0.1 as the bucket): bounded
with least-recently-used eviction, pinned files never evicted, each task's files dropped when it
ends, leftovers swept once idle, model weights never touched."""
import fcntl
import os
import time

import pytest

from apps.core.storage import media_cache_size, media_cache_sweep, media_fetch_scope, media_storage

pytestmark = pytest.mark.django_db

KB = 1024


@pytest.fixture
def host(s3_settings, tmp_path):
    """An empty media root (this host) and a bucket holding three 400 KB files."""
    s3_settings.ISAMURAI_MEDIA_ROOT = tmp_path / "media"
    s3_settings.ISAMURAI_MODELS_DIR = tmp_path / "media" / "models"
    s3_settings.ISAMURAI_WORKER_CACHE_MB = 1
    storage = media_storage()
    names = {}
    for name in ("a", "b", "c"):
        relpath = f"uploads/{name}{os.getpid()}{time.monotonic_ns()}/{name}.bin"
        storage.client.put_object(Bucket=storage.bucket, Key=relpath, Body=os.urandom(400 * KB))
        names[name] = relpath
    yield names
    for relpath in names.values():
        storage.delete(relpath)



def test_least_recently_used_files_are_evicted_to_stay_under_the_limit(host):
    storage = media_storage()
    first, second = storage.fetch(host["a"]), storage.fetch(host["b"])
    os.utime(first, (time.time() - 60, time.time() - 60))
    os.utime(second, (time.time() - 30, time.time() - 30))
    storage.fetch(host["a"])  # used again: now the most recent
    third = storage.fetch(host["c"])  # 1200 KB would not fit in 1 MB: b, the least recent, goes
    assert first.is_file() and third.is_file() and not second.exists()
    assert media_cache_size() == 800 * KB


def test_files_in_use_are_never_evicted(host):
    storage = media_storage()
    with media_fetch_scope():
        pinned = storage.fetch(host["a"])
        os.utime(pinned, (time.time() - 60, time.time() - 60))  # the oldest, but in use
        unpinned_elsewhere = storage.fetch(host["b"])
        with open(pinned, "rb") as other_process_view:  # another process reading it shares the pin
            fcntl.flock(other_process_view, fcntl.LOCK_SH)
            storage.fetch(host["c"])
        assert pinned.is_file() and storage.fetch(host["c"]).is_file()
        assert unpinned_elsewhere.is_file()  # fetched inside this scope: pinned by it too
        assert media_cache_size() == 1200 * KB  # over the limit rather than break a running task


def test_a_task_drops_what_it_fetched_when_it_ends(host):
    storage = media_storage()
    with media_fetch_scope():
        path = storage.fetch(host["a"])
        assert path.is_file()
    assert not path.exists() and not path.parent.exists()  # its folder too
    assert media_cache_size() == 0


def test_a_file_another_process_still_uses_is_kept_then_swept(host):
    storage = media_storage()
    with media_fetch_scope():
        path = storage.fetch(host["a"])
        reader = open(path, "rb")
        fcntl.flock(reader, fcntl.LOCK_SH)
    assert path.is_file()  # the other reader still holds it
    assert media_cache_sweep(idle_seconds=0) == 0
    reader.close()
    assert media_cache_sweep(idle_seconds=0) == 1 and not path.exists()


def test_sweep_keeps_pinned_work_folders_recent_files_and_model_weights(host, s3_settings):
    storage = media_storage()
    root = s3_settings.ISAMURAI_MEDIA_ROOT
    leftover = storage.fetch(host["a"])  # a killed process's download: nobody pins it
    weights = s3_settings.ISAMURAI_MODELS_DIR / "inswapper_128.onnx"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"weights")
    running = root / "work" / "job-1" / "attempt-1"
    running.mkdir(parents=True)
    (running / "partial.mp4").write_bytes(b"frames")
    starting = root / "work" / "job-1" / "attempt-2"  # still empty: its first file comes next
    starting.mkdir()
    dead = root / "work" / "job-2" / "attempt-1"
    dead.mkdir(parents=True)
    (dead / "partial.mp4").write_bytes(b"frames")
    with media_fetch_scope() as scope:
        scope.pin_folder(running.parent)
        assert media_cache_sweep(idle_seconds=60) == 0  # everything is recent
        assert media_cache_sweep(idle_seconds=0) == 2  # the leftover download and the dead job's folder
    assert not leftover.exists() and not dead.parent.exists()
    assert (running / "partial.mp4").is_file() and starting.is_dir() and weights.read_bytes() == b"weights"


def test_local_storage_never_drops_the_store(settings, tmp_path):
    settings.ISAMURAI_S3_BUCKET = ""
    settings.ISAMURAI_MEDIA_ROOT = tmp_path
    (tmp_path / "uploads" / "x").mkdir(parents=True)
    (tmp_path / "uploads" / "x" / "target.mp4").write_bytes(b"video")
    with media_fetch_scope():
        path = media_storage().fetch("uploads/x/target.mp4")
    assert path.read_bytes() == b"video"
