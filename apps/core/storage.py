"""Where media lives. Local: everything under ISAMURAI_MEDIA_ROOT, served at /api/media/<path>.
S3 (ISAMURAI_S3_BUCKET set): inputs and outputs are also kept in the bucket under the same
relative paths, so GPU workers on other hosts fetch inputs from it and publish outputs to it;
output URLs are expiring presigned links. The media root is then a local cache.

Local links are signed the same way: /api/media/<path>?expires=<unix time>&signature=<HMAC>,
so a link works without the key (browsers, download tools) but only for its lifetime."""
import hmac
import logging
import math
import time
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

    def delete(self, relpath: str) -> None:
        (media_root() / relpath).unlink(missing_ok=True)


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
        (media_root() / relpath).unlink(missing_ok=True)

    def fetch(self, relpath: str) -> Path:
        """A local path for `relpath`, downloaded into the cache when this host doesn't have it."""
        local = media_root() / relpath
        if not local.exists():
            local.parent.mkdir(parents=True, exist_ok=True)
            partial = local.with_name(local.name + ".download")
            self.client.download_file(self.bucket, self._key(relpath), str(partial))
            partial.replace(local)
        return local

    def delete(self, relpath: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(relpath))
        (media_root() / relpath).unlink(missing_ok=True)


@lru_cache(maxsize=1)
def _storage(bucket: str):
    return S3MediaStorage() if bucket else LocalMediaStorage()


def media_storage() -> LocalMediaStorage | S3MediaStorage:
    return _storage(settings.ISAMURAI_S3_BUCKET)
