"""The contract's prices, from settings. All results are whole credits; durations are taken to
the millisecond so float noise from ffprobe never tips a price over a whole credit."""
import math
from decimal import Decimal

from django.conf import settings


def _prices() -> dict[str, int]:
    return settings.ISAMURAI_PRICES


def _seconds(duration_seconds: float) -> Decimal:
    return Decimal(str(round(max(duration_seconds, 0.0), 3)))


def faceswap_video_price(*, duration_seconds: float) -> int:
    """Per minute of input, prorated per second, rounded up, at least 1: 7.2 s -> ceil(7.2 x 50/60) = 6."""
    return max(1, math.ceil(_seconds(duration_seconds) * _prices()["video_swap_per_minute"] / 60))


def faceswap_image_price() -> int:
    return _prices()["image_swap"]


def preview_price(*, enhance: bool) -> int:
    return _prices()["preview_enhance" if enhance else "preview"]


def slowmotion_price(*, factor: int, duration_seconds: float) -> int:
    """Per second of input video by factor, rounded up, at least 1."""
    return max(1, math.ceil(_seconds(duration_seconds) * _prices()[f"slowmo_{factor}x_per_second"]))


def restore_price() -> int:
    return _prices()["restore"]
