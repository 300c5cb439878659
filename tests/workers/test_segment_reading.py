"""A part of a video decodes exactly the frames a whole decode gives at those indices, whatever the
GOP structure (B-frames, a seek between keyframes) and when the video starts after the audio."""
import subprocess
from pathlib import Path

import numpy as np
import pytest

from workers.video.probe import MediaProbe
from workers.video.reader import VideoFrameReader


@pytest.fixture(scope="module")
def clips(tmp_path_factory, testdata) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("segment_reading")
    source = testdata / "videos" / "liveportrait_d18.mp4"
    plain = folder / "plain.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-t", "3", "-c:v", "libx264", "-preset",
                    "veryfast", "-g", "40", "-bf", "3", "-c:a", "aac", str(plain)], check=True)
    late = folder / "video_starts_late.mp4"  # the picture starts 0.2 s after the sound
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-itsoffset", "0.2", "-i", str(plain), "-i", str(plain),
                    "-map", "0:v", "-map", "1:a", "-c", "copy", str(late)], check=True)
    return {"plain": plain, "late": late}


@pytest.mark.parametrize("name", ["plain", "late"])
def test_a_part_reads_the_frames_of_the_whole_at_its_indices(clips, name):
    info = MediaProbe().probe(clips[name])
    with VideoFrameReader(info.path, info=info, output_size=(240, 240)) as reader:
        whole = list(reader)
    assert len(whole) == info.frame_count == 90
    if name == "late":
        assert info.video_start_seconds == pytest.approx(0.2, abs=0.03)
    for start, count in ((37, 20), (40, 5), (1, 3), (85, 10)):  # between keyframes, on one, near the end
        with VideoFrameReader(info.path, info=info, output_size=(240, 240), start_frame=start,
                              frame_limit=count) as reader:
            part = list(reader)
        expected = whole[start:start + count]
        assert len(part) == len(expected)
        assert all(np.array_equal(a, b) for a, b in zip(part, expected, strict=True)), (name, start)
