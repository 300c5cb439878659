"""How ffmpeg and ffprobe run on users' files: only the demuxers, codecs and protocols we accept,
a minimal environment (none of the server's secrets), and CPU, memory and file-size limits.

Every parser of libavformat and libavcodec is attack surface, and a file's extension or first
bytes pick which one runs. So the container is sniffed here from its magic bytes and forced
with ``-f``; nothing else may be probed, and the only protocol is ``file`` (plus ``pipe`` for
the encoder's frames): an HLS playlist or a concat list named ``.mp4`` is refused before any
tool sees it, and no demuxer can open another file or a URL.
"""
from __future__ import annotations

import os
import resource
import shutil
from dataclasses import dataclass
from pathlib import Path

# Sniffed container -> the libavformat demuxer forced for it.
DEMUXER_MOV = "mov"  # MP4, MOV, M4V, 3GP (ISO base media)
DEMUXER_MATROSKA = "matroska"  # MKV and WebM
ACCEPTED_DEMUXERS = (DEMUXER_MOV, DEMUXER_MATROSKA)

# The decoders an upload may use. Video: what phones, cameras, browsers and editors write.
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mjpeg", "prores"})
# Audio is copied or re-encoded, never judged, but its decoder still runs on the user's bytes.
AUDIO_CODECS = frozenset({
    "aac", "mp3", "mp2", "opus", "vorbis", "flac", "alac", "ac3", "eac3",
    "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_f32le", "pcm_u8",
    "pcm_mulaw", "pcm_alaw", "amr_nb", "amr_wb",
})
# The decoder implementations (libavcodec names) behind those codecs, the only ones ffprobe and
# ffmpeg may open on a user's file; subtitle text of phone and editor MP4s is parsed, never shown.
DECODER_WHITELIST = ",".join(sorted({
    "h264", "hevc", "vp8", "libvpx", "vp9", "libvpx-vp9", "av1", "libdav1d", "libaom-av1", "mpeg4",
    "mjpeg", "prores",
    "aac", "aac_fixed", "mp3", "mp3float", "mp2", "mp2float", "opus", "libopus", "vorbis", "libvorbis",
    "flac", "alac", "ac3", "ac3_fixed", "eac3", "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be",
    "pcm_s32le", "pcm_f32le", "pcm_u8", "pcm_mulaw", "pcm_alaw", "amrnb", "amrwb",
    "mov_text", "subrip", "ass", "webvtt",
}))

_MP4_BOX_TYPES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot", b"uuid")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def sniff_demuxer(path: str | Path) -> str | None:
    """The accepted demuxer for a file's first bytes, or None: an MP4/MOV starts with a box
    (size, then a known type), a Matroska/WebM file with the EBML magic."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    if head.startswith(_EBML_MAGIC):
        return DEMUXER_MATROSKA
    if len(head) >= 8 and head[4:8] in _MP4_BOX_TYPES:
        return DEMUXER_MOV
    return None


def input_arguments(path: str | Path, demuxer: str) -> list[str]:
    """The arguments that open one user file: its forced demuxer, file protocol only, the decoder
    allow-list, and the mov demuxer's external references (``dref``) left off."""
    if demuxer not in ACCEPTED_DEMUXERS:
        raise ValueError(f"demuxer {demuxer!r} is not accepted")
    arguments = ["-protocol_whitelist", "file", "-codec_whitelist", DECODER_WHITELIST, "-f", demuxer]
    if demuxer == DEMUXER_MOV:
        arguments += ["-enable_drefs", "0", "-use_absolute_path", "0"]
    # "file:" keeps a name with a colon in it from being read as another protocol.
    return arguments + ["-i", f"file:{Path(path).resolve()}"]


@dataclass(frozen=True)
class ToolLimits:
    """Resource limits for one ffmpeg/ffprobe process (0 = none). Memory is RLIMIT_DATA (what the
    process writes to), not the address space: decoder threads reserve far more than they use, and
    a many-core host would otherwise refuse honest files."""

    cpu_seconds: int = 0
    memory_bytes: int = 0
    file_bytes: int = 0


# Probing demuxes only (no full decode): a minute of CPU and 2 GiB are plenty for any accepted file.
PROBE_LIMITS = ToolLimits(cpu_seconds=60, memory_bytes=2 << 30, file_bytes=1 << 20)
# Decoding and encoding a whole clip: bounded by memory (a few 4k frames in flight); CPU time is
# bounded by the job's own time limit, since a long clip legitimately takes long.
CODEC_LIMITS = ToolLimits(memory_bytes=8 << 30)


def tool_environment() -> dict[str, str]:
    """What ffmpeg and ffprobe inherit: a PATH and a locale, never SECRET_KEY, DATABASE_URL,
    cloud credentials or anything else of the server's."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": "/nonexistent"}


def limited_command(command: list[str], limits: ToolLimits) -> list[str]:
    """`command` under `prlimit` when the system has it (the usual case: util-linux); else as is,
    and :func:`limits_preexec` sets the same limits in the child."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return command
    options = []
    if limits.cpu_seconds:
        options.append(f"--cpu={limits.cpu_seconds}")
    if limits.memory_bytes:
        options.append(f"--data={limits.memory_bytes}")
    if limits.file_bytes:
        options.append(f"--fsize={limits.file_bytes}")
    return [prlimit, *options, "--", *command] if options else command


def limits_preexec(limits: ToolLimits):
    """A preexec_fn setting the limits, for systems without prlimit (None when prlimit is there)."""
    if shutil.which("prlimit") is not None:
        return None

    def apply() -> None:
        if limits.cpu_seconds:
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        if limits.memory_bytes:
            resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
        if limits.file_bytes:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))

    return apply
