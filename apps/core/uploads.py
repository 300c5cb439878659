"""Uploaded media: saved under the media root, classified and checked against the limits
before anything is charged. Callers remove the folder when a later step fails."""
import base64
import binascii
import logging
import shutil
import string
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from workers.choices import MEDIA_IMAGE, MEDIA_VIDEO
from workers.errors import MediaError
from workers.imaging.codec import ImageDecoder, ImageHeader
from workers.video.probe import MediaInfo, VideoLimits, VideoValidator

from .exceptions import ApplicationError
from .media_types import media_content_description, media_format_sniff
from .storage import media_root, media_storage

logger = logging.getLogger(__name__)

_IMAGE_SNIFF_BYTES = 1 << 20


@dataclass
class UploadFolder:
    """A fresh folder under media/uploads/ for one request's files. Each saved file is pushed to
    shared storage (S3 when configured) so workers on any host can read it."""

    relpath: str
    saved: list[str] = field(default_factory=list)

    @classmethod
    def create(cls) -> "UploadFolder":
        folder = cls(relpath=f"uploads/{uuid.uuid4().hex}")
        folder.path.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def path(self) -> Path:
        return media_root() / self.relpath

    def save_upload(self, upload: UploadedFile, *, stem: str) -> str:
        """Stream an uploaded file to disk (never whole in memory); returns its media relpath,
        `<stem><extension of the sniffed format>`: the client's file name is never used."""
        chunks = upload.chunks()
        head = b""
        for chunk in chunks:  # enough of the start to tell the format
            head += chunk
            if len(head) >= 4096:
                break
        relpath = f"{self.relpath}/{stem}{media_format_sniff(head).extension}"
        with open(media_root() / relpath, "wb") as out:
            out.write(head)
            for chunk in chunks:
                out.write(chunk)
        return self._pushed(relpath)

    def save_bytes(self, data: bytes, *, stem: str) -> str:
        """Like save_upload, for bytes in memory (decoded base64, a worker's answer)."""
        relpath = f"{self.relpath}/{stem}{media_format_sniff(data[:4096]).extension}"
        (media_root() / relpath).write_bytes(data)
        return self._pushed(relpath)

    @property
    def bytes_saved(self) -> int:
        return sum((media_root() / relpath).stat().st_size for relpath in self.saved)

    def _pushed(self, relpath: str) -> str:
        self.saved.append(relpath)
        media_storage().push(relpath)
        return relpath

    def remove(self) -> None:
        for relpath in self.saved:
            try:
                media_storage().delete(relpath)
            except Exception:  # best effort: the local folder goes regardless
                logger.exception("could not delete %s from storage", relpath)
        shutil.rmtree(self.path, ignore_errors=True)


@dataclass(frozen=True)
class MediaCheck:
    media_type: str  # workers.choices.MEDIA_TYPES
    duration_seconds: float | None
    video: MediaInfo | None


def image_bytes_check(data: bytes, *, field: str) -> None:
    """Header-level check (format, pixel limit) without decoding the whole bitmap."""
    try:
        header = ImageHeader(data)
    except MediaError as exc:
        raise ApplicationError(f"{field}: {exc.user_message}", details={field: [exc.user_message]}) from None
    if header.width * header.height > settings.ISAMURAI_MAX_IMAGE_PIXELS:
        message = (f"The image is {header.width}x{header.height} pixels; the limit is "
                   f"{settings.ISAMURAI_MAX_IMAGE_PIXELS:,} pixels, so downscale it and upload it again.")
        raise ApplicationError(f"{field}: {message}", details={field: [message]})


def image_file_check(path: Path, *, field: str) -> None:
    data = path.read_bytes()
    image_bytes_check(data, field=field)
    try:
        ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS).decode(data)
    except MediaError as exc:
        raise ApplicationError(f"{field}: {exc.user_message}", details={field: [exc.user_message]}) from None


def media_file_check(path: Path, *, field: str, allow_image: bool = True) -> MediaCheck:
    """Classify an upload as image or video and enforce the limits; 400 with a reason otherwise."""
    with open(path, "rb") as handle:
        head = handle.read(_IMAGE_SNIFF_BYTES)
    try:
        ImageHeader(head)
        is_image = True
    except MediaError:
        is_image = False
    if not is_image and not media_format_sniff(head).kind:
        # Text (an HLS playlist, HTML, SVG) or bytes of no media format: refused before any
        # demuxer reads them, whatever the file was called.
        wanted = "a JPEG, PNG or WebP image or an MP4 or MOV video" if allow_image else "an MP4 or MOV video"
        message = (f"The file holds {media_content_description(head[:512])}, not an image or a video; "
                   f"upload {wanted}.")
        raise ApplicationError(f"{field}: {message}", details={field: [message]})
    if is_image:
        if not allow_image:
            message = "An image was uploaded where a video is needed; upload an MP4 or MOV video."
            raise ApplicationError(f"{field}: {message}", details={field: [message]})
        image_file_check(path, field=field)
        return MediaCheck(media_type=MEDIA_IMAGE, duration_seconds=None, video=None)
    limits = VideoLimits(
        max_duration_seconds=settings.ISAMURAI_MAX_VIDEO_SECONDS,
        max_pixels=settings.ISAMURAI_MAX_VIDEO_PIXELS,
    )
    try:
        info = VideoValidator(limits).validate(path)
    except MediaError as exc:
        raise ApplicationError(f"{field}: {exc.user_message}", details={field: [exc.user_message]}) from None
    return MediaCheck(media_type=MEDIA_VIDEO, duration_seconds=info.duration_seconds, video=info)


_BASE64_STANDARD = frozenset(string.ascii_letters + string.digits + "+/")
_BASE64_URLSAFE = frozenset(string.ascii_letters + string.digits + "-_")


def base64_image_decode(raw: object, *, field: str) -> bytes:
    """Decode a base64 image field (a data: URL prefix is tolerated) and check its header."""
    if not isinstance(raw, str) or not raw.strip():
        message = "This field is required: a base64-encoded JPEG or PNG image."
        raise ApplicationError(f"{field}: {message}", details={field: [message]})
    text = raw.strip()
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    text = "".join(text.split())  # line breaks of MIME-style base64
    alphabet = _BASE64_URLSAFE if ("-" in text or "_" in text) else _BASE64_STANDARD
    stray = next(((index, char) for index, char in enumerate(text.rstrip("=")) if char not in alphabet), None)
    if stray is not None:
        message = (f"Not valid base64: character {stray[1]!r} at position {stray[0]} is not in the base64 "
                   "alphabet; send the image file's bytes base64-encoded.")
        raise ApplicationError(f"{field}: {message}", details={field: [message]})
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if alphabet is _BASE64_URLSAFE
                                else None, validate=True)
    except (binascii.Error, ValueError) as exc:
        message = f"Not valid base64 ({exc}); send the image file's bytes base64-encoded."
        raise ApplicationError(f"{field}: {message}", details={field: [message]}) from None
    if not data:
        message = "The base64 text decodes to nothing; send the image file's bytes base64-encoded."
        raise ApplicationError(f"{field}: {message}", details={field: [message]})
    image_bytes_check(data, field=field)
    return data
