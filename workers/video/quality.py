"""Output sizes for the contract's quality names: the shorter side in pixels, never upscaled."""
from __future__ import annotations

from workers.choices import QUALITIES
from workers.errors import InvalidOption, MediaError

# "720p" -> 720: each quality name of workers.choices is its shorter side.
QUALITY_SHORT_SIDE: dict[str, int] = {name: int(name.rstrip("p")) for name in QUALITIES}


def short_side_for(quality: str) -> int:
    """The shorter side in pixels for ``480p``/``720p``/``1080p``; InvalidOption for anything else."""
    try:
        return QUALITY_SHORT_SIDE[quality.strip().lower()]
    except (KeyError, AttributeError):
        allowed = ", ".join(QUALITY_SHORT_SIDE)
        raise InvalidOption(f"quality must be one of {allowed}, got {quality!r}.") from None


def _even(value: float) -> int:
    # yuv420p needs even dimensions; round to the nearest even number, at least 2.
    return max(2, int(round(value / 2.0)) * 2)


def target_size(width: int, height: int, quality: str) -> tuple[int, int]:
    """(width, height) of the output for a source of ``width`` x ``height`` at ``quality``.

    The shorter side becomes the quality's size when the source is larger; a smaller source
    keeps its size (never upscaled). Both sides are even; the aspect ratio is kept.
    """
    if width <= 0 or height <= 0:
        raise MediaError("The video has no picture size (its stream says "
                         f"{width}x{height}); send a video that plays.", detail="target_size of an empty frame")
    target_short = short_side_for(quality)
    short = min(width, height)
    if short <= target_short:
        # Never upscale; only trim a pixel where needed to make both sides even.
        return width - width % 2 or 2, height - height % 2 or 2
    scale = target_short / short
    if width <= height:
        return target_short, _even(height * scale)
    return _even(width * scale), target_short
