"""The face swap pages' forms: input validation only; the work is done by the services."""
import base64
import json

from django import forms

from apps.accounts.models import User
from apps.console.console_forms import VIDEO_OR_IMAGE, MultipleImageField
from apps.restore.selectors import gallery_sources_list
from workers.choices import (
    FACE_MASK_BLUR_RANGE,
    FACE_MASK_PADDING_RANGE,
    FACE_MASK_TYPES,
    FACE_SELECTIONS,
    PIXEL_BOOSTS,
    QUALITIES,
)
from workers.faces.masks import DEFAULT_BLUR, DEFAULT_PADDING
from workers.pipelines.sources import MAX_SOURCE_PHOTOS

from .options import QUALITY_OPTION_FIELDS


def _gallery_choices(user: User) -> list[tuple[str, str]]:
    return [("", "— none —")] + [
        (str(source.id), f"{source.created_at:%Y-%m-%d %H:%M} · {source.faces_detected} face(s)")
        for source in gallery_sources_list(user=user)
    ]


class _JobOptionsForm(forms.Form):
    gquality = forms.ChoiceField(choices=QUALITIES.pairs(), initial=QUALITIES.default, label="Quality")
    enhance = forms.BooleanField(required=False, label="Enhance faces (GFPGAN)")
    name = forms.CharField(max_length=20, required=False)
    description = forms.CharField(max_length=20, required=False)
    # The quality options (issue 15), the same fields and choices as the API's.
    pixel_boost = forms.ChoiceField(required=False, choices=PIXEL_BOOSTS.pairs(), initial=PIXEL_BOOSTS.default,
                                    label="Pixel boost (swap resolution)")
    color_match = forms.BooleanField(required=False, label="Match the target's skin colour")
    mouth_mask = forms.BooleanField(required=False, label="Keep the target's mouth")
    face_mask = forms.MultipleChoiceField(required=False, choices=FACE_MASK_TYPES.pairs(),
                                          initial=[FACE_MASK_TYPES.default],
                                          widget=forms.CheckboxSelectMultiple, label="Face mask")
    face_mask_blur = forms.FloatField(required=False, min_value=FACE_MASK_BLUR_RANGE[0],
                                      max_value=FACE_MASK_BLUR_RANGE[1], initial=DEFAULT_BLUR,
                                      label="Mask feather (0-1)")
    face_mask_padding = forms.IntegerField(required=False, min_value=FACE_MASK_PADDING_RANGE[0],
                                           max_value=FACE_MASK_PADDING_RANGE[1], initial=DEFAULT_PADDING,
                                           label="Mask padding (%)")
    video_stability = forms.BooleanField(required=False, label="Video stability (smooth, fill short gaps)")

    def quality_options(self) -> dict:
        """The quality options as the services take them (unset numbers keep their defaults)."""
        defaults = {"face_mask_blur": DEFAULT_BLUR, "face_mask_padding": DEFAULT_PADDING,
                    "face_mask": [FACE_MASK_TYPES.default], "pixel_boost": PIXEL_BOOSTS.default}
        values = {name: self.cleaned_data.get(name) for name in QUALITY_OPTION_FIELDS}
        return {name: defaults[name] if value in (None, "", []) and name in defaults else value
                for name, value in values.items()}


class FaceSwapForm(_JobOptionsForm):
    source_image = MultipleImageField(
        required=False, label="Source face (one or more photos of the same person)",
        help_text=f"Several photos (up to {MAX_SOURCE_PHOTOS}) average into one identity.")
    source_id = forms.ChoiceField(required=False, label="…or a gallery source")
    target_media = forms.FileField(label="Target (video or image)",
                                   widget=forms.ClearableFileInput(attrs={"accept": VIDEO_OR_IMAGE}))
    face_selection = forms.ChoiceField(choices=FACE_SELECTIONS.pairs(), initial=FACE_SELECTIONS.default,
                                       label="Faces to replace")
    field_order = ["source_image", "source_id", "target_media", "gquality", "enhance", "face_selection",
                   "name", "description"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source_id"].choices = _gallery_choices(user)

    def clean(self):
        data = super().clean()
        if not data.get("source_image") and not data.get("source_id"):
            raise forms.ValidationError("Choose a source face: upload an image or pick one from your gallery.")
        return data


class MultiSwapForm(_JobOptionsForm):
    """The target and options; each person's source comes as `source_<P>` (file) or `source_id_<P>`."""

    target_media = forms.FileField(label="Target (video or image)",
                                   widget=forms.ClearableFileInput(attrs={"accept": VIDEO_OR_IMAGE}))
    analysis = forms.CharField(widget=forms.HiddenInput, required=False)
    field_order = ["target_media", "gquality", "enhance", "name", "description", "analysis"]

    def clean_analysis(self) -> list[dict]:
        raw = self.cleaned_data.get("analysis") or ""
        try:
            persons = json.loads(raw) if raw else []
        except json.JSONDecodeError:
            persons = None
        if not isinstance(persons, list) or not persons:
            raise forms.ValidationError("Pick a frame and press “Detect persons” first.")
        return persons

    def analysis_results(self, *, data, files) -> list[dict]:
        """The analysis entries with each person's chosen source, as analyse-frame clients send them."""
        results = []
        for entry in self.cleaned_data["analysis"]:
            if not isinstance(entry, dict):
                continue
            person_id = str(entry.get("person_id", ""))
            item = {"person_id": person_id, "thumbnail": entry.get("thumbnail")}
            upload = files.get(f"source_{person_id}")
            if upload:
                item["source_image"] = base64.b64encode(upload.read()).decode()
            elif data.get(f"source_id_{person_id}"):
                item["source_id"] = data.get(f"source_id_{person_id}")
            results.append(item)
        return results
