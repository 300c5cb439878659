"""The face-swap quality options (issue 15) as API fields, shared by every swap endpoint.

One serializer mixin for the five swap endpoints (JSON and multipart alike); the values are
checked against ``workers.choices`` and handed on as one dict, ``quality_options``, which the
job stores and the pipeline turns into its :class:`~workers.processors.chain.FrameProcessing`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workers.choices import FACE_MASK_BLUR_RANGE, FACE_MASK_PADDING_RANGE, FACE_MASK_TYPES, PIXEL_BOOSTS
from workers.faces.masks import DEFAULT_BLUR, DEFAULT_PADDING
from workers.processors.chain import QUALITY_OPTION_NAMES

QUALITY_OPTION_FIELDS = QUALITY_OPTION_NAMES


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": list(FACE_MASK_TYPES.values)},
                      "description": "Any of box, occlusion, region (a list, repeated form fields, or "
                                     "one comma-separated string). Default: box."})
class FaceMaskField(serializers.Field):
    """``face_mask``: a JSON list, repeated multipart fields, or ``"box,occlusion"``."""

    default_error_messages = {"invalid_choice": FACE_MASK_TYPES.invalid_message()}

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            return values if len(values) > 1 else values[0]
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> list[str]:
        items = data.split(",") if isinstance(data, str) else data
        if not isinstance(items, list | tuple):
            self.fail("invalid_choice", input=data)
        types = [str(item).strip() for item in items if str(item).strip()]
        for kind in types:
            if kind not in FACE_MASK_TYPES:
                self.fail("invalid_choice", input=kind)
        if not types:
            self.fail("invalid_choice", input=data)
        return list(dict.fromkeys(types))

    def to_representation(self, value: Any) -> list[str]:
        return list(value)


class QualityOptionsSerializer(serializers.Serializer):
    """The extension fields; each absent field keeps the swap as it was before them."""

    pixel_boost = serializers.ChoiceField(
        choices=PIXEL_BOOSTS.pairs(), required=False, default=PIXEL_BOOSTS.default,
        error_messages={"invalid_choice": PIXEL_BOOSTS.invalid_message()},
        help_text="Swap resolution: the face is swapped as (N/128)^2 pixel-shuffled 128 px crops and "
                  "pasted back from N px; auto picks N from the face's size. Default 128.")
    color_match = serializers.BooleanField(
        required=False, default=False,
        help_text="Give the swapped face the target face's colour (LAB mean and spread).")
    mouth_mask = serializers.BooleanField(
        required=False, default=False, help_text="Keep the target's own mouth (speech, teeth).")
    face_mask = FaceMaskField(required=False, default=[FACE_MASK_TYPES.default])
    face_mask_blur = serializers.FloatField(
        required=False, default=DEFAULT_BLUR, min_value=FACE_MASK_BLUR_RANGE[0], max_value=FACE_MASK_BLUR_RANGE[1],
        help_text="Feather of the face mask's edge, 0 (hard) to 1. Default 0.3.")
    face_mask_padding = serializers.IntegerField(
        required=False, default=DEFAULT_PADDING, min_value=FACE_MASK_PADDING_RANGE[0],
        max_value=FACE_MASK_PADDING_RANGE[1],
        help_text="Per cent of the face crop left out on every side by the box mask. Default 8.")
    video_stability = serializers.BooleanField(
        required=False, default=False,
        help_text="Videos: follow each person, smooth the keypoints and swap through short detection gaps.")


def quality_options_pop(values: dict[str, Any]) -> dict[str, Any]:
    """Takes the quality options out of a serializer's validated data (for the services)."""
    return {name: values.pop(name) for name in QUALITY_OPTION_FIELDS if name in values}
