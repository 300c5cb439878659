"""Every option list the API, the console, the database models and the pipelines accept, written once.

Serializers, console forms, model fields and pipeline option parsing all read these; nothing else
spells the values out. Lives in ``workers/`` because the pipelines (which import no Django) need the
same lists as the HTTP layer.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

Value = TypeVar("Value", str, int)


@dataclass(frozen=True)
class OptionChoices(Generic[Value]):
    """The allowed values of one option, each with a label for people, and the default."""

    field: str
    options: tuple[tuple[Value, str], ...]
    default: Value

    @property
    def values(self) -> tuple[Value, ...]:
        return tuple(value for value, _ in self.options)

    def pairs(self) -> list[tuple[Value, str]]:
        """``[(value, label), ...]`` for Django model fields, DRF and form ChoiceFields."""
        return list(self.options)

    def spoken(self) -> str:
        """'480p, 720p or 1080p': the values as a sentence lists them."""
        words = [str(value) for value in self.values]
        return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"

    def invalid_message(self, given: object = "{input}") -> str:
        """The one wording of a bad value, naming the field and what it takes (DRF fills ``{input}``)."""
        return f"'{given}' is not a valid {self.field}; use {self.spoken()}."

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __iter__(self) -> Iterator[Value]:
        return iter(self.values)


MEDIA_IMAGE, MEDIA_VIDEO = "image", "video"
# What a face swap's target is (told by the upload check; a job stores it).
MEDIA_TYPES: OptionChoices[str] = OptionChoices(
    "media_type", ((MEDIA_IMAGE, "Image"), (MEDIA_VIDEO, "Video")), MEDIA_VIDEO)

QUALITIES: OptionChoices[str] = OptionChoices(
    "quality", (("480p", "480p"), ("720p", "720p"), ("1080p", "1080p")), "720p")

FACE_SELECTIONS: OptionChoices[str] = OptionChoices(
    "face_selection",
    (("reference", "The main person (most prominent face of the first frame)"), ("all", "Every face")),
    "reference")

SLOWDOWN_FACTORS: OptionChoices[int] = OptionChoices("slowdown_factor", ((2, "2×"), (4, "4×"), (8, "8×")), 2)

SLOWMOTION_MODES: OptionChoices[str] = OptionChoices(
    "mode",
    (("slowmo", "Slow motion (N× longer)"), ("fps", "FPS boost (same length, N× frame rate)")),
    "slowmo")

RESTORE_MODES: OptionChoices[str] = OptionChoices(
    "mode", (("restore", "Restore the whole photo"), ("face_enhance", "Enhance faces only")), "restore")

INTERPOLATORS: OptionChoices[str] = OptionChoices(
    "interpolator",
    (("auto", "RIFE when installed, else optical flow"), ("rife", "RIFE (ONNX)"), ("flow", "Optical flow")),
    "auto")

# -- face swap quality options (issue 15) ---------------------------------------------------------

PIXEL_BOOSTS: OptionChoices[str] = OptionChoices(
    "pixel_boost",
    (("128", "128 px (the model's own size)"), ("256", "256 px"), ("384", "384 px"), ("512", "512 px"),
     ("auto", "From the face's size in the output")),
    "128")

FACE_MASK_TYPES: OptionChoices[str] = OptionChoices(
    "face_mask",
    (("box", "Feathered box"), ("occlusion", "Keep what covers the face (XSeg)"),
     ("region", "Face regions only: skin, brows, eyes, nose, lips (face parser)")),
    "box")

# Numeric ranges of the mask options (inclusive); defaults give today's paste mask.
FACE_MASK_BLUR_RANGE = (0.0, 1.0)
FACE_MASK_PADDING_RANGE = (0, 40)
