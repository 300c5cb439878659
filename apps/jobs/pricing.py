"""The contract's prices, from settings. All results are whole credits."""
import math

from django.conf import settings


def _prices() -> dict[str, int]:
    return settings.ISAMURAI_PRICES


def faceswap_video_price(*, duration_seconds: float) -> int:
    """Per minute of input, prorated per (started) second, rounded up, at least 1."""
    seconds = max(1, math.ceil(duration_seconds - 1e-9))
    return max(1, math.ceil(seconds * _prices()["video_swap_per_minute"] / 60))


def faceswap_image_price() -> int:
    return _prices()["image_swap"]


def preview_price(*, enhance: bool) -> int:
    return _prices()["preview_enhance" if enhance else "preview"]


def slowmotion_price(*, factor: int, duration_seconds: float) -> int:
    per_second = _prices()[f"slowmo_{factor}x_per_second"]
    return max(1, math.ceil(max(duration_seconds, 0) * per_second - 1e-9))


def restore_price() -> int:
    return _prices()["restore"]
