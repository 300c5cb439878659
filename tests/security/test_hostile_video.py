"""Issue #20 items 2 and 11: only the decoded stream is trusted. A container that lies about its
length is refused (or priced by its real length) and never processed past what was counted; only
MP4/MOV and Matroska/WebM are read, with their demuxer forced and the file protocol alone; the
tools run with a minimal environment; counts come from the video stream itself."""
import dataclasses
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.security.conftest import CLAIMED_SECONDS, RATE, REAL_SECONDS, ffmpeg
from tests.security.lying_media import mp4_claim_seconds
from workers.errors import MediaError
from workers.video.probe import MediaProbe, VideoLimits, VideoValidator
from workers.video.reader import VideoFrameReader
from workers.video.sandbox import input_arguments, limited_command, tool_environment

probe = MediaProbe()
FRAMES = REAL_SECONDS * RATE


@pytest.mark.parametrize("container", ["mp4", "mov", "mkv", "webm"])
def test_honest_clips_are_counted_from_their_frames(honest_clips, container):
    info = probe.probe(honest_clips[container])
    assert info.counted and info.frame_count == FRAMES
    assert info.duration_seconds == pytest.approx(REAL_SECONDS, abs=0.1)


@pytest.mark.parametrize("container", ["mp4", "mov", "mkv", "webm"])
def test_a_container_claiming_half_a_second_for_twenty_is_refused(lying_clips, container):
    header_only = probe.probe(lying_clips[container], count_frames=False)
    assert header_only.claimed_duration_seconds == pytest.approx(CLAIMED_SECONDS, abs=0.01)  # it does lie
    with pytest.raises(MediaError, match=r"says it is 0\.5 seconds long but holds 20\.0 seconds of frames"):
        probe.probe(lying_clips[container])
    # ...and so is the upload check, whatever the limits.
    with pytest.raises(MediaError, match="says it is 0.5 seconds"):
        VideoValidator(VideoLimits(max_duration_seconds=600, max_pixels=10**7)).validate(lying_clips[container])


def test_the_limits_apply_to_the_counted_length_not_the_claim(honest_clips):
    with pytest.raises(MediaError, match="20.0 seconds long; the limit is 5 seconds"):
        VideoValidator(VideoLimits(max_duration_seconds=5, max_pixels=10**7)).validate(honest_clips["mkv"])


def test_an_edit_list_shortening_the_clip_is_priced_by_what_is_decoded_or_refused(honest_clips, tmp_path):
    """An MP4 whose edit list also says 0.5 s: ffmpeg then really outputs only that much, so the
    clip is either refused or counted (and decoded) as short as it claims."""
    clip = tmp_path / "edited.mp4"
    shutil.copyfile(honest_clips["mp4"], clip)
    mp4_claim_seconds(clip, CLAIMED_SECONDS, edit_list=True)
    try:
        info = probe.probe(clip)
    except MediaError as refused:
        assert "incomplete" in refused.user_message or "seconds long" in refused.user_message
        return
    with VideoFrameReader(clip, info=info) as reader:
        decoded = sum(1 for _ in reader)
    assert decoded <= info.frame_count <= RATE * 2


def test_the_reader_never_decodes_past_the_counted_frames(honest_clips):
    """Whatever else the file holds, the reader stops at the frames that were counted (charged)."""
    info = probe.probe(honest_clips["mkv"])
    charged = dataclasses.replace(info, frame_count=30, duration_seconds=30 / RATE)
    with VideoFrameReader(honest_clips["mkv"], info=charged) as reader:
        assert sum(1 for _ in reader) == 30
    with VideoFrameReader(honest_clips["mkv"], info=charged, sample_fps=1) as reader:
        assert sum(1 for _ in reader) <= 4


@pytest.mark.parametrize("extension,arguments", [
    ("avi", ["-c:v", "mpeg4"]), ("flv", ["-c:v", "flv"]), ("ts", ["-c:v", "libx264"]), ("nut", ["-c:v", "mpeg4"]),
    ("mpg", ["-c:v", "mpeg2video"]), ("ogv", ["-c:v", "libtheora"]),
])
def test_other_containers_are_not_read_at_all(tmp_path, extension, arguments):
    clip = tmp_path / f"clip.{extension}"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=12", "-t", "1", *arguments, str(clip))
    renamed = tmp_path / f"clip_{extension}.mp4"  # the name says MP4; the bytes decide
    shutil.copyfile(clip, renamed)
    for path in (clip, renamed):
        with pytest.raises(MediaError, match="not a video we can read"):
            probe.probe(path)


def test_an_accepted_container_with_a_refused_codec_is_refused(tmp_path):
    clip = tmp_path / "theora.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=12", "-t", "1", "-c:v", "libtheora", str(clip))
    with pytest.raises(MediaError, match="(does not read|codec this server does not read)"):
        probe.probe(clip)


def _fifo_has_reader(fifo: Path) -> bool:
    try:
        descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # ENXIO: nobody has it open for reading
        return False
    os.close(descriptor)
    return True


@pytest.mark.parametrize("playlist", [
    "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{target}\n#EXT-X-ENDLIST\n",
    "ffconcat version 1.0\nfile '{target}'\n",
    "[playlist]\nFile1={target}\n",
])
def test_a_playlist_named_mp4_is_refused_and_opens_no_local_file(tmp_path, playlist):
    """An HLS playlist (or a concat list) uploaded as .mp4 names a local file; it is refused from
    its bytes before any tool runs, and even forced through the tools' arguments nothing opens it."""
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    upload = tmp_path / "video.mp4"
    upload.write_text(playlist.format(target=fifo))
    started = time.monotonic()
    with pytest.raises(MediaError, match="not a video we can read"):
        probe.probe(upload)
    assert time.monotonic() - started < 30  # it never blocked on the FIFO
    assert not _fifo_has_reader(fifo)
    # The tool arguments alone (demuxer forced, file protocol only) keep it closed too.
    result = subprocess.run(["ffprobe", "-v", "error", *input_arguments(upload, "mov"), "-show_format"],
                            capture_output=True, timeout=30, check=False)
    assert result.returncode != 0 and not _fifo_has_reader(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_tools_get_no_secrets_and_run_under_limits(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:password@db/x")
    environment = tool_environment()
    assert set(environment) <= {"PATH", "LC_ALL", "HOME"}
    assert "do-not-leak" not in str(environment)
    command = limited_command(["ffprobe", "-version"], dataclasses.replace(probe.limits))
    if shutil.which("prlimit"):
        assert command[0].endswith("prlimit") and any(part.startswith("--cpu=") for part in command)
        assert any(part.startswith("--data=") for part in command)
    shown = subprocess.run(limited_command(["sh", "-c", "env; ulimit -t; ulimit -d"], probe.limits),
                           capture_output=True, text=True, env=environment, check=True).stdout
    assert "do-not-leak" not in shown and "password" not in shown
    cpu, memory = shown.strip().splitlines()[-2:]
    assert cpu == str(probe.limits.cpu_seconds) and int(memory) * 1024 == probe.limits.memory_bytes


# --- Item 11: never refuse what decodes ----------------------------------------------------

def test_a_matroska_cut_whose_audio_runs_longer_is_accepted_and_counted_from_its_video(tmp_path):
    """The file's duration covers the longer audio; the video stream says (and holds) less."""
    video = tmp_path / "video3s.mp4"
    audio = tmp_path / "audio6s.m4a"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=96x64:rate=12", "-t", "3", "-c:v", "libx264", str(video))
    ffmpeg("-f", "lavfi", "-i", "sine=sample_rate=16000:duration=6", "-c:a", "aac", str(audio))
    for container, codec in (("mkv", ["-c", "copy"]), ("webm", ["-c:v", "libvpx", "-c:a", "libopus"])):
        clip = tmp_path / f"long_audio.{container}"
        ffmpeg("-i", str(video), "-i", str(audio), "-map", "0:v", "-map", "1:a", *codec, str(clip))
        info = probe.probe(clip)
        assert info.frame_count == 36 and info.duration_seconds == pytest.approx(3, abs=0.1)
        with VideoFrameReader(clip, info=info) as reader:
            assert sum(1 for _ in reader) == 36


def test_a_stream_copy_cut_of_matroska_is_accepted(honest_clips, tmp_path):
    cut = tmp_path / "cut.mkv"
    ffmpeg("-ss", "5", "-i", str(honest_clips["mkv"]), "-t", "4", "-c", "copy", str(cut))
    info = probe.probe(cut)
    with VideoFrameReader(cut, info=info) as reader:
        assert sum(1 for _ in reader) == info.frame_count > 0


def test_the_one_frame_a_second_scan_is_not_held_to_the_whole_clips_count(tmp_path):
    """A clip that decodes in full with decoder warnings: the sampled reader yields about one frame
    a second and is measured against that, not against the clip's 62 frames."""
    clip = tmp_path / "warnings.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=96x64:rate=24", "-frames:v", "62", "-c:v", "libx264", "-g", "8",
           "-bsf:v", "noise=amount=20000", str(clip))  # damaged slices: warnings, every frame still out
    info = probe.probe(clip)
    with VideoFrameReader(clip, info=info) as reader:
        frames = sum(1 for _ in reader)
    assert frames == info.frame_count == 62
    with VideoFrameReader(clip, info=info, sample_fps=1) as sampled:
        assert 2 <= sum(1 for _ in sampled) <= 4
