"""Where media lives. Local: everything under ISAMURAI_MEDIA_ROOT, served at /api/media/<path>.
S3 (ISAMURAI_S3_BUCKET set): every file is pushed to the bucket under the same relative path the
moment it is written, so hosts share nothing but the bucket; output URLs are expiring presigned
links. Each host's media root is then only a cache of the bucket:

* a worker fetches what a task needs inside ``media_fetch_scope()``: the files are pinned
  (a shared ``flock``) while the task runs and dropped from the host when it ends;
* the cache is bounded (ISAMURAI_WORKER_CACHE_MB): a download first evicts the least recently
  used files nobody pins;
* ``media_cache_sweep`` (every worker, at start and periodically) drops whatever a killed process
  left behind, once nobody has used it for ISAMURAI_WORKER_CACHE_IDLE_SECONDS.

Model weights live elsewhere (ISAMURAI_MODELS_DIR) and are never part of the cache.

Local links are signed the same way: /api/media/<path>?expires=<unix time>&signature=<HMAC>,
so a link works without the key (browsers, download tools) but only for its lifetime."""
import contextvars
import fcntl
import hmac
import logging
import math
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.crypto import salted_hmac

from .media_types import media_format_for_name

logger = logging.getLogger(__name__)


def media_root() -> Path:
    return Path(settings.ISAMURAI_MEDIA_ROOT)


_SIGNING_SALT = "isamurai.media-link"


def media_link_expires_default() -> int:
    """Now + ISAMURAI_MEDIA_URL_SECONDS, rounded up to the hour so repeated answers give one link."""
    return int(math.ceil((time.time() + settings.ISAMURAI_MEDIA_URL_SECONDS) / 3600) * 3600)


def media_link_signature(*, relpath: str, expires: int) -> str:
    return salted_hmac(_SIGNING_SALT, f"{relpath}\n{expires}", algorithm="sha256").hexdigest()


def media_link_valid(*, relpath: str, expires: str | None, signature: str | None) -> bool:
    """True for an untampered link whose expiry has not passed."""
    if not expires or not signature or not expires.isdigit() or int(expires) <= time.time():
        return False
    return hmac.compare_digest(media_link_signature(relpath=relpath, expires=int(expires)), signature)


# --- the host cache (S3 mode) -----------------------------------------------------------------

_PARTIAL_SUFFIX = ".download"


def _pin(path: Path) -> int | None:
    """An fd holding a shared lock on `path` (a file or folder), or None when it is gone. A lock
    on a file that was unlinked meanwhile (evicted) doesn't count: None then too."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)
    if os.fstat(fd).st_nlink == 0:
        os.close(fd)
        return None
    return fd


def _drop_unless_pinned(path: Path, *, fd: int | None = None) -> bool:
    """Delete the cached file `path` unless some process holds a lock on it. `fd` is the caller's
    own pin on it (released here). True when it was deleted (or already gone)."""
    if fd is None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return True
    try:
        try:  # upgrading our own shared lock works only if nobody else holds one
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                path.unlink()
        except FileNotFoundError:
            pass
        return True
    finally:
        os.close(fd)


def _folder_pinned(folder: Path) -> bool:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _cache_files(root: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every cached file under the media root (never the model weights, should they live there)."""
    models = Path(settings.ISAMURAI_MODELS_DIR).resolve()
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        if here.resolve() == models:
            subfolders.clear()
            continue
        for name in names:
            path = here / name
            try:
                yield path, path.stat()
            except FileNotFoundError:
                continue


def _pinned_folder_test(root: Path, pinned: dict[Path, bool]):
    """Whether a file lies in a pinned folder (uploads/<token>, work/<job id>, ...: a running job
    pins its scratch folder, whose files it writes unpinned); `pinned` memoises each folder."""
    def in_pinned_folder(path: Path) -> bool:
        parts = path.relative_to(root).parts
        if len(parts) < 3:
            return False
        group = root / parts[0] / parts[1]
        if group not in pinned:
            pinned[group] = _folder_pinned(group)
        return pinned[group]

    return in_pinned_folder


def media_cache_size() -> int:
    """Bytes of media this host holds in its cache."""
    return sum(stat.st_size for _, stat in _cache_files(media_root()))


def media_cache_make_room(*, incoming: int) -> None:
    """Evict least recently used, unpinned files until `incoming` more bytes fit in
    ISAMURAI_WORKER_CACHE_MB. Files in use stay even past the limit (a warning says so)."""
    limit = settings.ISAMURAI_WORKER_CACHE_MB * 1024 * 1024
    root = media_root()
    entries = sorted(_cache_files(root), key=lambda entry: entry[1].st_mtime)
    total = sum(stat.st_size for _, stat in entries)
    in_pinned_folder = _pinned_folder_test(root, {})
    for path, stat in entries:
        if total + incoming <= limit:
            return
        if in_pinned_folder(path):
            continue
        if _drop_unless_pinned(path):  # a download in progress is pinned by its writer
            logger.info("media cache: evicted %s (%d bytes, least recently used)", path, stat.st_size)
            total -= stat.st_size
    if total + incoming > limit:
        logger.warning("media cache: %d MB in use exceeds ISAMURAI_WORKER_CACHE_MB=%d; raise it above the "
                       "largest job's inputs times the worker concurrency", (total + incoming) >> 20,
                       settings.ISAMURAI_WORKER_CACHE_MB)


def media_cache_sweep(*, idle_seconds: float | None = None) -> int:
    """Drop cached files nobody pins and nobody used for `idle_seconds` (what a killed process
    left behind, a job's scratch folder included), and the empty folders. Returns files dropped."""
    idle = settings.ISAMURAI_WORKER_CACHE_IDLE_SECONDS if idle_seconds is None else idle_seconds
    root = media_root()
    if not root.is_dir():
        return 0
    cutoff = time.time() - idle
    pinned: dict[Path, bool] = {}
    in_pinned_folder = _pinned_folder_test(root, pinned)
    dropped = 0
    for path, stat in list(_cache_files(root)):
        if stat.st_mtime <= cutoff and not in_pinned_folder(path) and _drop_unless_pinned(path):
            dropped += 1
    models = Path(settings.ISAMURAI_MODELS_DIR).resolve()
    for category in [path for path in root.iterdir() if path.is_dir()]:
        if models.is_relative_to(category.resolve()):
            continue
        for group in [path for path in category.iterdir() if path.is_dir()]:
            if not pinned.get(group, False) and not _folder_pinned(group):
                _remove_empty_folders(group, cutoff=cutoff)
    return dropped


def _remove_empty_folders(top: Path, *, cutoff: float) -> None:
    """Remove the empty folders under `top`, and `top` itself when it is empty and was not
    touched after `cutoff` (a fresh, still empty folder may be about to get its files)."""
    try:
        top_recent = top.stat().st_mtime > cutoff
    except FileNotFoundError:
        return
    for folder, _, _ in sorted(os.walk(top), key=lambda entry: -len(entry[0])):
        if folder == str(top) and top_recent:
            continue
        try:
            os.rmdir(folder)  # only succeeds when empty
        except OSError:
            pass


class FetchScope:
    """The files one task fetched: pinned while it runs, dropped from this host when it ends."""

    def __init__(self) -> None:
        self.pins: dict[Path, int] = {}
        self.folders: dict[Path, int] = {}

    def hold(self, path: Path, fd: int) -> None:
        if path in self.pins:  # one pin per file and process: a second lock would block our upgrade
            os.close(fd)
        else:
            self.pins[path] = fd

    def pin_folder(self, folder: Path) -> None:
        """Keep the sweep out of `folder` (a running job's scratch space) until the scope ends."""
        fd = _pin(folder)
        if fd is not None and folder not in self.folders:
            self.folders[folder] = fd
        elif fd is not None:
            os.close(fd)

    def close(self) -> None:
        for path, fd in self.pins.items():
            if not _drop_unless_pinned(path, fd=fd):
                logger.debug("media cache: %s is still in use by another process; kept", path)
            try:
                path.parent.rmdir()  # its folder (uploads/<token>/) once empty; never more
            except OSError:
                pass
        for fd in self.folders.values():
            os.close(fd)
        self.pins.clear()
        self.folders.clear()


_scope: contextvars.ContextVar[FetchScope | None] = contextvars.ContextVar("media_fetch_scope", default=None)


@contextmanager
def media_fetch_scope() -> Iterator[FetchScope | None]:
    """Wrap one task (a job run, a fast task): what it fetches from the bucket is pinned until it
    ends, then dropped from this host's cache. Nested scopes join the outer one. Nothing to do
    with local storage, where the media root is the store itself."""
    if not settings.ISAMURAI_S3_BUCKET or _scope.get() is not None:
        yield _scope.get()
        return
    scope = FetchScope()
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
        scope.close()


def media_cache_drop(*, relpaths: list[str]) -> int:
    """Drop this host's copies of `relpaths` that no task holds (a job ended: what a killed pool
    process fetched for it goes now, not once idle). Returns how many were dropped."""
    if not settings.ISAMURAI_S3_BUCKET:
        return 0
    dropped = 0
    for relpath in relpaths:
        local = media_root() / relpath
        if local.is_file() and _drop_unless_pinned(local):
            dropped += 1
            try:
                local.parent.rmdir()
            except OSError:
                pass
    return dropped


def media_cache_sweeper_start() -> threading.Thread | None:
    """On a worker with S3 storage: sweep the cache now (a restarted host's leftovers) and every
    ISAMURAI_WORKER_CACHE_SWEEP_SECONDS, from a daemon thread."""
    if not settings.ISAMURAI_S3_BUCKET:
        return None

    def loop() -> None:
        while True:
            try:
                dropped = media_cache_sweep()
                if dropped:
                    logger.info("media cache: dropped %d idle files", dropped)
            except Exception:  # never let the sweeper die; try again next round
                logger.exception("media cache sweep failed")
            time.sleep(settings.ISAMURAI_WORKER_CACHE_SWEEP_SECONDS)

    thread = threading.Thread(target=loop, name="media-cache-sweeper", daemon=True)
    thread.start()
    return thread


# --- the two storages ---------------------------------------------------------------------------

class LocalMediaStorage:
    def url(self, relpath: str, *, expires_at: datetime | None = None) -> str:
        expires = int(expires_at.timestamp()) if expires_at else media_link_expires_default()
        signature = media_link_signature(relpath=relpath, expires=expires)
        # On the separate media origin when there is one: nothing served there shares the
        # console's origin (cookies, storage, same-origin API calls).
        return f"{settings.ISAMURAI_MEDIA_ORIGIN}/api/media/{relpath}?expires={expires}&signature={signature}"

    def push(self, relpath: str) -> None:
        """Make a file written under the media root available to every host (nothing to do here)."""

    def publish(self, relpath: str) -> None:
        """A finished output under the media root becomes servable (it already is)."""

    def fetch(self, relpath: str) -> Path:
        return media_root() / relpath

    def read_bytes(self, relpath: str) -> bytes:
        return (media_root() / relpath).read_bytes()

    def release_local(self, relpath: str) -> None:
        """Drop this host's copy once the bucket holds the file (the local root is the store: keep it)."""

    def delete(self, relpath: str) -> None:
        (media_root() / relpath).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every file under the folder `prefix` ('uploads/<token>/'); returns how many."""
        folder = media_root() / prefix
        count = sum(1 for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else 0
        shutil.rmtree(folder, ignore_errors=True)
        return count

    def list_keys(self, prefix: str = "") -> list[str]:
        root = media_root()
        return sorted(str(path.relative_to(root)) for path in (root / prefix).rglob("*") if path.is_file())


class S3MediaStorage:
    def __init__(self) -> None:
        import boto3

        self.bucket = settings.ISAMURAI_S3_BUCKET
        self.prefix = settings.ISAMURAI_S3_PREFIX
        self.client = boto3.client(
            "s3", endpoint_url=settings.ISAMURAI_S3_ENDPOINT_URL or None,
            region_name=settings.ISAMURAI_S3_REGION or None,
        )

    def _key(self, relpath: str) -> str:
        return f"{self.prefix}{relpath}"

    def url(self, relpath: str, *, expires_at: datetime | None = None) -> str:
        lifetime = settings.ISAMURAI_S3_URL_EXPIRY_SECONDS
        if expires_at is not None:  # never outlive the file's retention
            lifetime = max(1, min(lifetime, int(expires_at.timestamp() - time.time())))
        # The bucket answers with the type of the server-chosen extension, never inline when unknown.
        fmt = media_format_for_name(relpath)
        disposition = "inline" if fmt.kind else "attachment"
        return self.client.generate_presigned_url(
            "get_object", ExpiresIn=lifetime,
            Params={"Bucket": self.bucket, "Key": self._key(relpath), "ResponseContentType": fmt.content_type,
                    "ResponseContentDisposition": f'{disposition}; filename="{Path(relpath).name}"'},
        )

    def push(self, relpath: str) -> None:
        self.client.upload_file(str(media_root() / relpath), self.bucket, self._key(relpath))

    def publish(self, relpath: str) -> None:
        """Upload an output and drop the local copy: the bucket is where it lives now."""
        self.push(relpath)
        self.release_local(relpath)

    def release_local(self, relpath: str) -> None:
        local = media_root() / relpath
        local.unlink(missing_ok=True)
        try:
            local.parent.rmdir()  # the file's own folder (uploads/<token>/...), when now empty
        except OSError:
            pass

    def fetch(self, relpath: str) -> Path:
        """A local path for `relpath`, downloaded into this host's cache when it lacks it. Inside
        media_fetch_scope() the file stays pinned until the scope ends, then it is dropped."""
        local = media_root() / relpath
        for _ in range(5):  # another process may evict or sweep it between our steps
            fd = _pin(local)
            if fd is None:
                try:
                    fd = self._download(relpath, local)
                except FileNotFoundError:  # its folder was swept meanwhile
                    continue
            else:
                os.utime(fd)  # used now: the LRU order follows use, not download
            scope = _scope.get()
            if scope is None:
                os.close(fd)
            else:
                scope.hold(local, fd)
            return local
        raise OSError(f"could not cache {relpath}: it kept disappearing")

    def _download(self, relpath: str, local: Path) -> int:
        """Download to a partial file we hold a shared lock on (the lock moves with the rename)."""
        size = self.client.head_object(Bucket=self.bucket, Key=self._key(relpath))["ContentLength"]
        media_cache_make_room(incoming=size)
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(f"{local.name}.{uuid.uuid4().hex[:8]}{_PARTIAL_SUFFIX}")
        fd = os.open(partial, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            with os.fdopen(os.dup(fd), "wb") as out:
                self.client.download_fileobj(self.bucket, self._key(relpath), out)
            os.replace(partial, local)
        except BaseException:
            os.close(fd)
            partial.unlink(missing_ok=True)
            raise
        return fd

    def read_bytes(self, relpath: str) -> bytes:
        """The file's bytes, from this host's copy or straight from the bucket (nothing cached)."""
        local = media_root() / relpath
        if local.is_file():
            return local.read_bytes()
        return self.client.get_object(Bucket=self.bucket, Key=self._key(relpath))["Body"].read()

    def delete(self, relpath: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(relpath))
        (media_root() / relpath).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        keys = [self._key(relpath) for relpath in self.list_keys(prefix)]
        for start in range(0, len(keys), 1000):
            self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": key} for key in keys[start:start + 1000]], "Quiet": True})
        shutil.rmtree(media_root() / prefix, ignore_errors=True)
        return len(keys)

    def list_keys(self, prefix: str = "") -> list[str]:
        """Relative paths of the bucket's files under `prefix`."""
        keys = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                          Prefix=self._key(prefix)):
            keys += [item["Key"][len(self.prefix):] for item in page.get("Contents", [])]
        return keys


@lru_cache(maxsize=1)
def _storage(bucket: str, endpoint: str, region: str, prefix: str):
    return S3MediaStorage() if bucket else LocalMediaStorage()


def media_storage() -> LocalMediaStorage | S3MediaStorage:
    return _storage(settings.ISAMURAI_S3_BUCKET, settings.ISAMURAI_S3_ENDPOINT_URL, settings.ISAMURAI_S3_REGION,
                    settings.ISAMURAI_S3_PREFIX)
