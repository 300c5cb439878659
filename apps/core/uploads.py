"""Uploaded media: saved under the media root, classified and checked against the limits
before anything is charged. Callers remove the folder when a later step fails."""
import binascii
import logging
import math
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from workers.choices import MEDIA_IMAGE, MEDIA_VIDEO
from workers.errors import MediaError
from workers.imaging.codec import ImageHeader
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

    def release_local(self) -> None:
        """The request succeeded and the bucket holds every file (S3): drop this host's copies, so a
        web host keeps nothing. With local storage the files stay: the media root is the store."""
        for relpath in self.saved:
            media_storage().release_local(relpath)
        if settings.ISAMURAI_S3_BUCKET:
            shutil.rmtree(self.path, ignore_errors=True)

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


def image_size_check(path: Path, *, field: str) -> None:
    size = path.stat().st_size
    if size > settings.ISAMURAI_MAX_IMAGE_BYTES:
        message = (f"The image is {size / (1024 * 1024):.1f} MB; the limit is "
                   f"{settings.ISAMURAI_MAX_IMAGE_BYTES / (1024 * 1024):g} MB, so send a smaller image.")
        raise ApplicationError(f"{field}: {message}", details={field: [message]})


def image_file_check(path: Path, *, field: str) -> None:
    """An uploaded image's size, format and pixel count, from its header. The web process never
    decodes the bitmap (that would load OpenCV and numpy into it): the fast worker that needs the
    pixels decodes them before anything is charged and its refusal names ``field``."""
    image_size_check(path, field=field)
    image_bytes_check(path.read_bytes(), field=field)  # the whole file: a start-of-frame may sit late


def media_file_check(path: Path, *, field: str, allow_image: bool = True) -> MediaCheck:
    """Classify an upload as image or video and enforce the limits; 400 with a reason otherwise.
    Videos are probed in a child process (ffprobe, killable); images are checked from their header
    and size (``image_file_check``: a worker decodes them)."""
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


# Anything that is not base64 text (after whitespace is dropped); searched in C, never char by char.
_BASE64_STRAY = re.compile(r"[^A-Za-z0-9+/=_-]")


def base64_limit_chars() -> int:
    """The longest base64 text of one image field: the largest image file, encoded, plus room for
    a data: URL prefix and line breaks."""
    return math.ceil(settings.ISAMURAI_MAX_IMAGE_BYTES / 3) * 4 * 105 // 100 + 256


def _field_error(field: str, message: str) -> ApplicationError:
    return ApplicationError(f"{field}: {message}", details={field: [message]})


def base64_image_decode(raw: object, *, field: str) -> bytes:
    """Decode a base64 image field (a data: URL prefix and MIME line breaks are tolerated) and
    check its header. Every step runs in C (length cap, one regex search, binascii), so a huge or
    hostile field costs milliseconds, not seconds of Python."""
    if not isinstance(raw, str) or not raw.strip():
        raise _field_error(field, "This field is required: a base64-encoded JPEG or PNG image.")
    limit_mb = settings.ISAMURAI_MAX_IMAGE_BYTES / (1024 * 1024)
    if len(raw) > base64_limit_chars():
        raise _field_error(field, f"The image is larger than {limit_mb:g} MB (its base64 text is "
                                  f"{len(raw) // (1024 * 1024)} MB); send a smaller image.")
    text = raw.strip()
    if text.startswith("data:") and "," in text[:256]:
        text = text.split(",", 1)[1]
    text = "".join(text.split())  # line breaks of MIME-style base64
    stray = _BASE64_STRAY.search(text)
    if stray is None and ("=" in text.rstrip("=")):
        stray = re.search("=", text)  # padding in the middle
    if stray is not None:
        raise _field_error(field, f"Not valid base64: character {stray.group()!r} at position {stray.start()} is not "
                                  "in the base64 alphabet; send the image file's bytes base64-encoded.")
    urlsafe = "-" in text or "_" in text
    if urlsafe and ("+" in text or "/" in text):
        raise _field_error(field, "Not valid base64: it mixes the standard (+/) and URL-safe (-_) alphabets; "
                                  "send the image file's bytes base64-encoded.")
    if urlsafe:
        text = text.translate(_URLSAFE_TO_STANDARD)
    try:
        core = text.rstrip("=")
        if not core:
            raise binascii.Error("it is only padding")
        data = binascii.a2b_base64(core + "=" * (-len(core) % 4), strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise _field_error(field, f"Not valid base64 ({exc}); send the image file's bytes base64-encoded.") from None
    if not data:
        raise _field_error(field, "The base64 text decodes to nothing; send the image file's bytes base64-encoded.")
    if len(data) > settings.ISAMURAI_MAX_IMAGE_BYTES:
        raise _field_error(field, f"The image is larger than {limit_mb:g} MB; send a smaller image.")
    image_bytes_check(data, field=field)
    return data


_URLSAFE_TO_STANDARD = str.maketrans("-_", "+/")
