"""What a stored media file is, told by its first bytes (never by the name a client sent).

Every upload is stored under a name the server chooses: a stem of its own and the extension of
the format its bytes start with (`media_format_sniff`). Media answers carry the content type of
that format (`media_format_of_file`), so a file is never served as anything a browser would run
(HTML, SVG, script) whatever its name or content said."""
from dataclasses import dataclass
from pathlib import Path

_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class MediaFormat:
    name: str
    extension: str  # with the dot
    content_type: str
    kind: str  # "image", "video" or "" (not media)


JPEG = MediaFormat("jpeg", ".jpg", "image/jpeg", "image")
PNG = MediaFormat("png", ".png", "image/png", "image")
WEBP = MediaFormat("webp", ".webp", "image/webp", "image")
MP4 = MediaFormat("mp4", ".mp4", "video/mp4", "video")
MOV = MediaFormat("mov", ".mov", "video/quicktime", "video")
MATROSKA = MediaFormat("matroska", ".mkv", "video/x-matroska", "video")
WEBM = MediaFormat("webm", ".webm", "video/webm", "video")
AVI = MediaFormat("avi", ".avi", "video/x-msvideo", "video")
MPEG_TS = MediaFormat("mpegts", ".ts", "video/mp2t", "video")
# Bytes in no format we know: stored as opaque data, never served inline.
UNKNOWN = MediaFormat("unknown", ".bin", "application/octet-stream", "")

_BY_EXTENSION = {fmt.extension: fmt for fmt in (JPEG, PNG, WEBP, MP4, MOV, MATROSKA, WEBM, AVI, MPEG_TS)}
# Top-level atoms an old QuickTime file may start with instead of `ftyp`.
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
# ISO base media brands of still images (HEIF/AVIF): not a video, and not an image we decode.
_STILL_BRANDS = (b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1")


def media_format_sniff(head: bytes) -> MediaFormat:
    """The format `head` (a file's first bytes) starts with; UNKNOWN for anything else (text,
    HTML, SVG, archives, ...)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF":
        return WEBP if head[8:12] == b"WEBP" else AVI if head[8:12] == b"AVI " else UNKNOWN
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _STILL_BRANDS:
            return UNKNOWN
        return MOV if brand == b"qt  " else MP4
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return MOV
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if b"webm" in head[:64] else MATROSKA
    if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
        return MPEG_TS
    return UNKNOWN


def media_format_of_file(path: Path) -> MediaFormat:
    with open(path, "rb") as handle:
        return media_format_sniff(handle.read(_SNIFF_BYTES))


def media_format_for_name(name: str) -> MediaFormat:
    """The format of a name the server chose (its extension came from a sniff); UNKNOWN else."""
    return _BY_EXTENSION.get(Path(name).suffix.lower(), UNKNOWN)


def media_content_description(head: bytes) -> str:
    """What bytes in no media format look like, in words, for an error message."""
    if not head:
        return "nothing (it is empty)"
    for cut in range(4):  # the sample may end inside a multi-byte character
        try:
            text = head[:len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if all(char.isprintable() or char.isspace() for char in text):
            return "text"
        break
    return "data in no image or video format we know"
