"""Safe still-image decoding (JPEG/PNG/WebP) with a pixel limit, and JPEG encoding.

OpenCV is imported by the decoder and the encoder themselves: the web process reads image
headers (``ImageHeader``, pure Python) on every upload but loads OpenCV only when it first
decodes a whole image to verify it.
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING

from workers.errors import MediaError

if TYPE_CHECKING:  # numpy: on a worker only
    import numpy as np

_UNSUPPORTED = "The file is not a JPEG, PNG or WebP image; upload one of those formats."
_DAMAGED = "The image could not be decoded; the file may be damaged or truncated."


class ImageHeader:
    """Reads format and pixel size from the first bytes, before anything is decoded.

    Checking the size from the header keeps a small file that would decode to a huge
    bitmap (a decompression bomb) from ever being expanded in memory.
    """

    def __init__(self, data: bytes) -> None:
        self.format, self.width, self.height = self._parse(data)

    @staticmethod
    def _parse(data: bytes) -> tuple[str, int, int]:
        if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return "png", width, height
        if data.startswith(b"\xff\xd8\xff"):
            return ("jpeg", *ImageHeader._jpeg_size(data))
        if len(data) >= 30 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return ("webp", *ImageHeader._webp_size(data))
        raise MediaError(_UNSUPPORTED)

    @staticmethod
    def _jpeg_size(data: bytes) -> tuple[int, int]:
        # Walk the marker segments up to the first start-of-frame (SOF0..SOF15 except DHT/JPG/DAC).
        position = 2
        while position + 9 < len(data):
            if data[position] != 0xFF:
                position += 1
                continue
            marker = data[position + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                position += 1 if marker == 0xFF else 2
                continue
            (length,) = struct.unpack(">H", data[position + 2:position + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[position + 5:position + 9])
                return width, height
            position += 2 + length
        raise MediaError(_DAMAGED, detail="no JPEG start-of-frame marker")

    @staticmethod
    def _webp_size(data: bytes) -> tuple[int, int]:
        chunk = data[12:16]
        if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
            width, height = struct.unpack("<HH", data[26:30])
            return width & 0x3FFF, height & 0x3FFF
        if chunk == b"VP8L" and data[20] == 0x2F:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8X":
            width = int.from_bytes(data[24:27], "little") + 1
            height = int.from_bytes(data[27:30], "little") + 1
            return width, height
        raise MediaError(_DAMAGED, detail="unknown WebP chunk")


class ImageDecoder:
    """Decodes uploaded image bytes to an upright BGR ``uint8`` array.

    ``max_pixels`` comes from settings (ISAMURAI_MAX_IMAGE_PIXELS). EXIF orientation is
    applied; alpha is dropped; grey images become three-channel.
    """

    def __init__(self, max_pixels: int) -> None:
        self.max_pixels = max_pixels

    def decode(self, data: bytes) -> np.ndarray:
        if not data:
            raise MediaError("The image is empty; upload a JPEG, PNG or WebP file.")
        header = ImageHeader(data)
        if header.width <= 0 or header.height <= 0:
            raise MediaError(_DAMAGED, detail=f"header size {header.width}x{header.height}")
        if header.width * header.height > self.max_pixels:
            raise MediaError(
                f"The image is {header.width}x{header.height} pixels; the limit is "
                f"{self.max_pixels:,} pixels, so downscale it and upload it again."
            )
        import cv2
        import numpy as np

        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
        if image is None or image.size == 0:
            raise MediaError(_DAMAGED, detail=f"cv2.imdecode failed for {header.format}")
        return image

    def decode_file(self, path: str | Path) -> np.ndarray:
        return self.decode(Path(path).read_bytes())


class JpegEncoder:
    """Encodes BGR frames to JPEG bytes (API answers carry JPEG base64)."""

    def __init__(self, quality: int = 92) -> None:
        if not 1 <= quality <= 100:
            raise ValueError("JPEG quality must be within 1..100")
        self.quality = quality

    def encode(self, image: np.ndarray) -> bytes:
        import numpy as np

        if image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise ValueError(f"expected a uint8 image, got {image.dtype} with shape {image.shape}")
        import cv2

        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:
            raise MediaError("The image could not be encoded as JPEG.")
        return encoded.tobytes()
