"""Which processors a job runs, in which order, from its options.

The order is fixed where it matters: the swap makes the crop; the masks decide where it may
show; the colour match measures the target inside that final mask; the mouth is cut out
after that (the mouth's colour must not steer the match); the paste blends the crop into the
frame; the enhancer restores the pasted face.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workers.choices import FACE_MASK_BLUR_RANGE, FACE_MASK_PADDING_RANGE, FACE_MASK_TYPES, PIXEL_BOOSTS
from workers.faces.enhancer import ENHANCER_MODEL, GfpganEnhancer
from workers.faces.masks import (
    DEFAULT_BLUR,
    DEFAULT_PADDING,
    OCCLUDER_MODEL,
    PARSER_MODEL,
    BisenetFaceParser,
    XsegOccluder,
)
from workers.faces.swapper import InSwapper
from workers.processors.base import FaceProcessor
from workers.processors.color_match import ColorMatchProcessor
from workers.processors.face_enhance import FaceEnhanceProcessor
from workers.processors.face_mask import FaceMaskProcessor
from workers.processors.face_swap import FaceSwapProcessor
from workers.processors.mouth_mask import MouthMaskProcessor
from workers.processors.paste_back import PasteBackProcessor


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _mask_types(value: Any) -> tuple[str, ...]:
    if value in (None, "", [], ()):
        return (FACE_MASK_TYPES.default,)
    items = value.split(",") if isinstance(value, str) else list(value)
    types = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    bad = [kind for kind in types if kind not in FACE_MASK_TYPES]
    if bad or not types:
        raise ValueError(FACE_MASK_TYPES.invalid_message(",".join(bad)))
    return types


# The quality options a request may set (FrameProcessing's fields but ``enhance``, which the
# API has always had on its own).
QUALITY_OPTION_NAMES = ("pixel_boost", "color_match", "mouth_mask", "face_mask", "face_mask_blur",
                        "face_mask_padding", "video_stability")


@dataclass(frozen=True)
class FrameProcessing:
    """The per-frame steps a swap job asked for; the defaults are the swap as it always was."""

    enhance: bool = False
    pixel_boost: str = PIXEL_BOOSTS.default
    color_match: bool = False
    mouth_mask: bool = False
    face_mask: tuple[str, ...] = (FACE_MASK_TYPES.default,)
    face_mask_blur: float = DEFAULT_BLUR
    face_mask_padding: int = DEFAULT_PADDING
    video_stability: bool = False

    def __post_init__(self) -> None:
        if self.pixel_boost not in PIXEL_BOOSTS:
            raise ValueError(PIXEL_BOOSTS.invalid_message(self.pixel_boost))
        _mask_types(self.face_mask)
        low, high = FACE_MASK_BLUR_RANGE
        if not low <= self.face_mask_blur <= high:
            raise ValueError(f"face_mask_blur must be between {low} and {high}.")
        low, high = FACE_MASK_PADDING_RANGE
        if not low <= self.face_mask_padding <= high:
            raise ValueError(f"face_mask_padding must be between {low} and {high}.")

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> FrameProcessing:
        """From a job's stored options (absent or null keys keep the defaults)."""
        def given(name: str) -> bool:
            return options.get(name) is not None

        return cls(
            enhance=_as_bool(options.get("enhance", False)),
            pixel_boost=str(options["pixel_boost"]) if given("pixel_boost") else PIXEL_BOOSTS.default,
            color_match=_as_bool(options.get("color_match", False)),
            mouth_mask=_as_bool(options.get("mouth_mask", False)),
            face_mask=_mask_types(options.get("face_mask")),
            face_mask_blur=float(options["face_mask_blur"]) if given("face_mask_blur") else DEFAULT_BLUR,
            face_mask_padding=(int(options["face_mask_padding"]) if given("face_mask_padding")
                               else DEFAULT_PADDING),
            video_stability=_as_bool(options.get("video_stability", False)),
        )

    @property
    def custom_mask(self) -> bool:
        return (self.face_mask != (FACE_MASK_TYPES.default,) or self.face_mask_blur != DEFAULT_BLUR
                or self.face_mask_padding != DEFAULT_PADDING)

    def required_models(self) -> list[str]:
        names = [ENHANCER_MODEL] if self.enhance else []
        names += [OCCLUDER_MODEL] if "occlusion" in self.face_mask else []
        names += [PARSER_MODEL] if "region" in self.face_mask else []
        return names


def processor_chain(models, swapper: InSwapper, processing: FrameProcessing) -> list[FaceProcessor]:
    """The ordered processors of one job (models loaded here, once)."""
    chain: list[FaceProcessor] = [FaceSwapProcessor(swapper, pixel_boost=processing.pixel_boost)]
    if processing.custom_mask:
        chain.append(FaceMaskProcessor(
            processing.face_mask, blur=processing.face_mask_blur, padding=processing.face_mask_padding,
            occluder=XsegOccluder.from_registry(models) if "occlusion" in processing.face_mask else None,
            parser=BisenetFaceParser.from_registry(models) if "region" in processing.face_mask else None))
    if processing.color_match:
        chain.append(ColorMatchProcessor())
    if processing.mouth_mask:
        chain.append(MouthMaskProcessor())
    chain.append(PasteBackProcessor())
    if processing.enhance:
        chain.append(FaceEnhanceProcessor(GfpganEnhancer.from_registry(models)))
    return chain
