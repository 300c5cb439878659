"""Round trips through the streaming reader and writer, checked the way a user would."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from workers.errors import MediaError
from workers.video.probe import MediaProbe, VideoLimits, VideoValidator
from workers.video.quality import target_size
from workers.video.reader import VideoFrameReader
from workers.video.writer import PROVENANCE_TEXT, VideoFrameWriter

from ..conftest import run_ffmpeg

probe = MediaProbe()


def round_trip(source: Path, output: Path, quality: str = "720p") -> tuple[int, int]:
    info = probe.probe(source)
    width, height = target_size(info.width, info.height, quality)
    with VideoFrameReader(source, info=info, output_size=(width, height)) as reader:
        with VideoFrameWriter(output, width=width, height=height, frame_rate=info.frame_rate,
                              audio_source=info) as writer:
            for frame in reader:
                writer.write(frame)
    return width, height


def format_tags(path: Path) -> dict[str, str]:
    import json

    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format_tags:stream=codec_name,pix_fmt",
         "-of", "json", str(path)], capture_output=True, text=True, check=True)
    data = json.loads(result.stdout)
    return {**data["format"].get("tags", {}),
            "codecs": ",".join(s.get("codec_name", "") for s in data["streams"]),
            "pix_fmt": ",".join(s.get("pix_fmt", "") for s in data["streams"] if "pix_fmt" in s)}


def test_every_test_clip_round_trips(videos_dir: Path, tmp_path: Path):
    clips = sorted(videos_dir.glob("*.mp4"))
    assert clips, "no test clips"
    for clip in clips:
        source = probe.probe(clip)
        output = tmp_path / f"{clip.stem}_out.mp4"
        width, height = round_trip(clip, output)
        result = probe.probe(output)
        assert result.frame_count == source.frame_count, clip.name
        assert result.fps == pytest.approx(source.fps), clip.name
        assert result.duration_seconds == pytest.approx(source.duration_seconds, abs=0.05)
        assert result.has_audio == source.has_audio, clip.name
        assert (result.width, result.height) == (width, height) == (source.width, source.height)
        tags = format_tags(output)
        assert tags["pix_fmt"] == "yuv420p"
        assert tags["codecs"].startswith("h264")
        assert tags["comment"] == PROVENANCE_TEXT


@pytest.mark.parametrize(
    ("quality", "expected"), [("480p", (854, 480)), ("720p", (1280, 720)), ("1080p", (1280, 720))]
)
def test_output_size_at_each_quality(hd_clip: Path, tmp_path: Path, quality, expected):
    output = tmp_path / f"{quality}.mp4"
    round_trip(hd_clip, output, quality)
    result = probe.probe(output)
    assert (result.width, result.height) == expected
    assert result.frame_count == probe.probe(hd_clip).frame_count
    assert result.has_audio


def test_square_clip_at_480p(videos_dir: Path, tmp_path: Path):
    output = tmp_path / "d0_480.mp4"
    round_trip(videos_dir / "liveportrait_d0.mp4", output, "480p")
    result = probe.probe(output)
    assert (result.width, result.height) == (480, 480)
    assert result.frame_count == 78
    assert not result.has_audio


def test_rotated_input_comes_out_upright(rotated_clip: Path, tmp_path: Path):
    info = probe.probe(rotated_clip)
    assert info.rotation in (90, 270)
    assert (info.coded_width, info.coded_height) == (960, 480)
    assert (info.width, info.height) == (480, 960)
    with VideoFrameReader(rotated_clip) as reader:
        first = next(iter(reader))
    assert first.shape == (960, 480, 3)

    output = tmp_path / "upright.mp4"
    round_trip(rotated_clip, output, "720p")
    result = probe.probe(output)
    assert result.rotation == 0
    assert (result.width, result.height) == (480, 960)
    assert result.frame_count == 120
    assert result.has_audio


def test_variable_frame_rate_input_is_read_at_a_constant_rate(videos_dir: Path, tmp_path: Path):
    vfr = tmp_path / "vfr.mp4"
    # Drop every other frame in the second half: timestamps stay, the rate becomes variable.
    run_ffmpeg("-i", str(videos_dir / "two_faces_hstack.mp4"), "-an",
               "-vf", "select='lt(n,60)+mod(n,2)'", "-fps_mode", "vfr",
               "-c:v", "libx264", "-preset", "ultrafast", str(vfr))
    info = probe.probe(vfr)
    assert info.is_variable_frame_rate
    with VideoFrameReader(vfr, info=info) as reader:
        frames = sum(1 for _ in reader)
    assert frames == pytest.approx(info.duration_seconds * info.fps, abs=2)


def test_frames_are_writable_and_queue_is_bounded(videos_dir: Path):
    with VideoFrameReader(videos_dir / "liveportrait_d0.mp4", queue_frames=2) as reader:
        for index, frame in enumerate(reader):
            frame[0, 0] = 255  # processing stages draw on frames in place
            assert reader.queued_frames <= 2
            if index == 10:
                break  # leaving early must stop ffmpeg cleanly


def test_sampled_reader_gives_one_frame_a_second_at_the_asked_size(videos_dir: Path):
    path = videos_dir / "liveportrait_d18.mp4"  # 216 frames at 30 fps: 7.2 s
    info = MediaProbe().probe(path)
    with VideoFrameReader(path, output_size=(96, 96), sample_fps=1) as reader:
        frames = list(reader)
    assert abs(len(frames) - info.duration_seconds) <= 1
    assert len(frames) < info.frame_count / 20
    assert all(frame.shape == (96, 96, 3) for frame in frames)
    assert reader.frame_rate == 1


def test_text_file_named_mp4_is_rejected(tmp_path: Path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 50)
    with pytest.raises(MediaError, match="not a video"):
        probe.probe(fake)


def test_truncated_file_with_index_at_the_end_is_rejected(videos_dir: Path, tmp_path: Path):
    data = (videos_dir / "liveportrait_d18.mp4").read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="incomplete"):
        probe.probe(truncated)


def test_truncated_faststart_file_is_rejected_while_decoding(videos_dir: Path, tmp_path: Path):
    # With the index first (faststart), ffprobe succeeds and only decoding finds the damage.
    complete = tmp_path / "complete.mp4"
    round_trip(videos_dir / "two_faces_hstack.mp4", complete)
    data = complete.read_bytes()
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="incomplete"):  # the probe counts the packets and sees it
        probe.probe(truncated)
    info = probe.probe(truncated, count_frames=False)  # the header alone: only decoding finds it
    with pytest.raises(MediaError, match="cut off"):
        with VideoFrameReader(truncated, info=info) as reader:
            for _ in reader:
                pass


def test_still_image_is_not_a_video(testdata: Path):
    with pytest.raises(MediaError, match="still image"):
        probe.probe(testdata / "images" / "newton.png")


def test_text_named_like_an_image_is_called_text_not_a_still_image(tmp_path: Path):
    """ffmpeg's image2 demuxer trusts the .jpg name; the message must say what the file holds."""
    text = tmp_path / "photo.jpg"
    text.write_text("hello, this is a text file\nsecond line\n")
    with pytest.raises(MediaError, match=r"named like an image \(\.jpg\) but holds text") as raised:
        probe.probe(text)
    assert "still image" not in str(raised.value)
    binary = tmp_path / "noise.png"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(MediaError, match="holds data in no image or video format we know"):
        probe.probe(binary)


def test_truncated_faststart_file_is_refused_by_the_upload_check(videos_dir: Path, tmp_path: Path):
    """moov at the front: ffprobe sees a whole index; counting the packets (demux only) finds the cut."""
    complete = tmp_path / "complete.mp4"
    run_ffmpeg("-i", str(videos_dir / "liveportrait_d18.mp4"), "-t", "2", "-c", "copy", "-movflags", "+faststart",
               str(complete))
    assert complete.read_bytes()[4:8] == b"ftyp" and b"moov" in complete.read_bytes()[:4096]
    validator = VideoValidator(VideoLimits(max_duration_seconds=60, max_pixels=10**7))
    whole = validator.validate(complete)
    assert probe.video_packet_count(complete) == (whole.frame_count, False)
    data = complete.read_bytes()
    for fraction in (0.5, 0.9):
        cut = tmp_path / f"cut_{fraction}.mp4"
        cut.write_bytes(data[: int(len(data) * fraction)])
        # the index still promises every frame
        assert probe.probe(cut, count_frames=False).frame_count == whole.frame_count
        with pytest.raises(MediaError, match=rf"incomplete: it holds \d+ of its {whole.frame_count} frames"):
            validator.validate(cut)


def test_audio_only_file_has_no_video_stream(tmp_path: Path):
    audio = tmp_path / "tone.m4a"
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(audio))
    with pytest.raises(MediaError, match="no video stream"):
        probe.probe(audio)


def test_limits(videos_dir: Path):
    clip = videos_dir / "liveportrait_d3.mp4"  # 11.8 s, 512x512
    with pytest.raises(MediaError, match="limit is 10 seconds"):
        VideoValidator(VideoLimits(max_duration_seconds=10, max_pixels=10**7)).validate(clip)
    with pytest.raises(MediaError, match="pixels per frame"):
        VideoValidator(VideoLimits(max_duration_seconds=60, max_pixels=500 * 500)).validate(clip)
    info = VideoValidator(VideoLimits(max_duration_seconds=60, max_pixels=10**7)).validate(clip)
    assert info.frame_count == 354 and info.has_audio


def test_slowed_audio_is_reencoded(videos_dir: Path, tmp_path: Path):
    info = probe.probe(videos_dir / "two_faces_hstack.mp4")
    output = tmp_path / "slow.mp4"
    frame = np.zeros((480, 960, 3), np.uint8)
    with VideoFrameWriter(output, width=960, height=480, frame_rate=30, audio_source=info,
                          audio_filter="atempo=0.5") as writer:
        for _ in range(240):
            writer.write(frame)
    result = probe.probe(output)
    assert result.frame_count == 240
    assert result.audio_streams[0].codec == "aac"
    assert result.duration_seconds == pytest.approx(8.0, abs=0.1)


def test_failed_encode_leaves_no_file(tmp_path: Path):
    output = tmp_path / "never.mp4"
    with pytest.raises(RuntimeError):
        with VideoFrameWriter(output, width=64, height=64, frame_rate=25) as writer:
            writer.write(np.zeros((64, 64, 3), np.uint8))
            raise RuntimeError("processing failed")
    assert not output.exists()
    assert not any(tmp_path.iterdir())
    with pytest.raises(ValueError):
        VideoFrameWriter(output, width=63, height=64, frame_rate=25)


def test_missing_ffmpeg_gives_a_clear_error(videos_dir: Path):
    assert shutil.which("ffmpeg")
    with pytest.raises(MediaError, match="decoder is not available"):
        with VideoFrameReader(videos_dir / "liveportrait_d0.mp4", ffmpeg="/nonexistent/ffmpeg"):
            pass
