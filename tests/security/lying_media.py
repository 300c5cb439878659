"""Rewrite the length a container claims, leaving every frame in place: the files an attacker
makes to be charged for half a second of a twenty-second clip."""
from __future__ import annotations

import re
import struct
from pathlib import Path

_MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"edts"}


def _mp4_boxes(data: bytearray, start: int, end: int):
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header:
            return
        yield kind, offset, offset + header, offset + size
        offset += size


def mp4_claim_seconds(path: Path, seconds: float, *, edit_list: bool = False) -> None:
    """Set the movie, track and media durations (mvhd, tkhd, mdhd, elst) of an MP4/MOV to
    `seconds`; the sample tables (every frame) are untouched."""
    data = bytearray(path.read_bytes())
    movie_scale = 1000
    media_scale = 1000

    def walk(start: int, end: int) -> None:
        nonlocal movie_scale, media_scale
        for kind, _box, body, box_end in _mp4_boxes(data, start, end):
            version = data[body]
            if kind == b"mvhd":
                fields = (body + 20, ">I", body + 12) if version == 0 else (body + 28, ">Q", body + 20)
                movie_scale = struct.unpack(">I", data[fields[2]:fields[2] + 4])[0]
                struct.pack_into(fields[1], data, fields[0], int(seconds * movie_scale))
            elif kind == b"tkhd":
                at, fmt = (body + 20, ">I") if version == 0 else (body + 28, ">Q")
                struct.pack_into(fmt, data, at, int(seconds * movie_scale))
            elif kind == b"mdhd":
                scale_at, at, fmt = (body + 12, body + 16, ">I") if version == 0 else (body + 20, body + 24, ">Q")
                media_scale = struct.unpack(">I", data[scale_at:scale_at + 4])[0]
                struct.pack_into(fmt, data, at, int(seconds * media_scale))
            elif kind == b"elst" and edit_list:
                count = struct.unpack(">I", data[body + 4:body + 8])[0]
                if count and version == 0:
                    struct.pack_into(">I", data, body + 8, int(seconds * movie_scale))
            elif kind in _MP4_CONTAINERS:
                walk(body, box_end)

    walk(0, len(data))
    path.write_bytes(bytes(data))


def matroska_claim_seconds(path: Path, seconds: float) -> None:
    """Set a Matroska/WebM segment's Duration (in its default 1 ms timecode scale) and every
    stream's DURATION tag to `seconds`; the clusters (every frame) are untouched."""
    data = bytearray(path.read_bytes())
    at = data.find(b"\x44\x89")
    while at != -1:
        size_byte = data[at + 2]
        if size_byte == 0x88:
            struct.pack_into(">d", data, at + 3, seconds * 1000.0)
            break
        if size_byte == 0x84:
            struct.pack_into(">f", data, at + 3, seconds * 1000.0)
            break
        at = data.find(b"\x44\x89", at + 1)
    else:
        raise ValueError(f"{path} has no segment Duration")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    claim = f"{int(hours):02d}:{int(minutes):02d}:{secs:012.9f}".encode()
    data = bytearray(re.sub(rb"\d\d:\d\d:\d\d\.\d{9}", lambda match: claim[:len(match.group())], bytes(data)))
    path.write_bytes(bytes(data))
