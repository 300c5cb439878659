"""Small files that claim (or would decode to) huge pictures, and files that are not media."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

HUGE = 60_000  # pixels a side: 3.6 gigapixels, ~10 GB as RGB


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_bomb(side: int = HUGE) -> bytes:
    """A valid PNG of side x side black pixels, a few kilobytes of zlib for 3.6 billion pixels' rows
    (only its first rows are given: enough for a decoder to start allocating)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (side + 1) * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def jpeg_bomb(real_jpeg: bytes, side: int = HUGE) -> bytes:
    """A real JPEG whose start-of-frame claims side x side (the scan data stays small)."""
    data = bytearray(real_jpeg)
    position = 2
    while position + 9 < len(data):
        marker = data[position + 1]
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            struct.pack_into(">HH", data, position + 5, min(side, 65535), min(side, 65535))
            return bytes(data)
        position += 2 + length
    raise ValueError("no start-of-frame")


def webp_bomb() -> bytes:
    """A lossy WebP frame header of 16383 x 16383 (the format's most: 268 megapixels)."""
    frame = b"\x10\x02\x00\x9d\x01\x2a" + struct.pack("<HH", 16383, 16383) + b"\x00" * 32
    chunk = b"VP8 " + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_extended_bomb() -> bytes:
    """The extended (VP8X) form: a canvas of 16777216 x 16777216 declared in 24-bit fields."""
    body = b"\x00\x00\x00\x00" + (0xFFFFFF).to_bytes(3, "little") + (0xFFFFFF).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(body)) + b"WEBP" + b"VP8X" + struct.pack("<I", len(body)) + body


SVG_WITH_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
                   b'<script>fetch("/api/user-credits/")</script><rect width="64" height="64"/></svg>')
HTML_WITH_SCRIPT = b"<!doctype html><html><body><script>document.write(document.cookie)</script></body></html>"


def bombs(images: Path) -> dict[str, bytes]:
    return {"png": png_bomb(), "jpeg": jpeg_bomb((images / "obama.jpg").read_bytes()), "webp": webp_bomb(),
            "webp_vp8x": webp_extended_bomb()}
