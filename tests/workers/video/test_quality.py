import pytest

from workers.video.quality import short_side_for, target_size


@pytest.mark.parametrize(
    ("source", "quality", "expected"),
    [
        ((1920, 1080), "480p", (854, 480)),
        ((1920, 1080), "720p", (1280, 720)),
        ((1920, 1080), "1080p", (1920, 1080)),
        ((1080, 1920), "720p", (720, 1280)),  # portrait: the shorter side is the width
        ((3840, 2160), "1080p", (1920, 1080)),
        ((1280, 720), "1080p", (1280, 720)),  # never upscaled
        ((512, 512), "480p", (480, 480)),
        ((513, 301), "720p", (512, 300)),  # small odd source: only trimmed to even
        ((1001, 721), "720p", (1000, 720)),
    ],
)
def test_target_size(source, quality, expected):
    width, height = target_size(*source, quality)
    assert (width, height) == expected
    assert width % 2 == 0 and height % 2 == 0


def test_unknown_quality_is_rejected():
    with pytest.raises(ValueError, match="480p, 720p, 1080p"):
        short_side_for("4k")
