from pathlib import Path

import cv2
import numpy as np
import pytest

from workers.errors import MediaError
from workers.imaging.codec import ImageDecoder, ImageHeader, JpegEncoder

decoder = ImageDecoder(max_pixels=40_000_000)


def test_decodes_every_test_image(testdata: Path):
    for path in sorted((testdata / "images").iterdir()):
        image = decoder.decode_file(path)
        header = ImageHeader(path.read_bytes())
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        assert image.shape[:2] == (header.height, header.width), path.name


def test_webp_and_png_round_trip(testdata: Path):
    original = decoder.decode_file(testdata / "images" / "obama.jpg")
    for extension in (".webp", ".png"):
        ok, encoded = cv2.imencode(extension, original)
        assert ok
        assert decoder.decode(encoded.tobytes()).shape == original.shape


def test_pixel_limit_is_checked_before_decoding(testdata: Path):
    data = (testdata / "images" / "solvay_conference_1927.png").read_bytes()  # 3000x2171
    with pytest.raises(MediaError, match="3000x2171 pixels; the limit is 1,000,000"):
        ImageDecoder(max_pixels=1_000_000).decode(data)


def test_decompression_bomb_header_is_rejected_without_decoding():
    # A PNG header claiming 100000x100000 pixels, with no image data behind it.
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (100000).to_bytes(4, "big") * 2
    with pytest.raises(MediaError, match="100000x100000"):
        decoder.decode(header + b"\x08\x02\x00\x00\x00")


@pytest.mark.parametrize("data", [b"", b"GIF89a....", b"%PDF-1.4 hello", b"\xff\xd8\xff\xe0garbage"])
def test_non_images_and_damaged_files_are_rejected(data: bytes):
    with pytest.raises(MediaError):
        decoder.decode(data)


def test_jpeg_encoder():
    image = np.full((32, 48, 3), 128, np.uint8)
    encoded = JpegEncoder(quality=90).encode(image)
    assert encoded[:3] == b"\xff\xd8\xff"
    assert decoder.decode(encoded).shape == (32, 48, 3)
