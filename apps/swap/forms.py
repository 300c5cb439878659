"""The face swap pages' forms: input validation only; the work is done by the services."""
import base64
import json

from django import forms

from apps.accounts.models import User
from apps.console.console_forms import VIDEO_OR_IMAGE, MultipleImageField
from apps.core.options import OptionsForm, console_options_data
from apps.restore.selectors import gallery_sources_list
from workers.pipelines.options import faceswap_options_schema
from workers.pipelines.source_limits import MAX_SOURCE_PHOTOS


def _gallery_choices(user: User) -> list[tuple[str, str]]:
    return [("", "— none —")] + [
        (str(source.id), f"{source.created_at:%Y-%m-%d %H:%M} · {source.faces_detected} face(s)")
        for source in gallery_sources_list(user=user)
    ]


class _JobOptionsForm(OptionsForm):
    """The face-swap options; those not laid out by name in the page (MAIN_OPTIONS) are the
    "Quality options" block, in the schema's order (so a new processor's option shows there)."""

    MAIN_OPTIONS = ("gquality", "face_selection", "enhance")
    options_required = ("gquality",)
    options_schema = staticmethod(faceswap_options_schema)
    name = forms.CharField(max_length=20, required=False)
    description = forms.CharField(max_length=20, required=False)

    def more_options(self) -> list[forms.BoundField]:
        return [self[spec.name] for spec in self.option_specs if spec.name not in self.MAIN_OPTIONS]

    def options_script_data(self) -> list[dict]:
        """The options as the page's script sends them to the JSON API (json_script)."""
        return console_options_data(self.option_specs)


class FaceSwapForm(_JobOptionsForm):
    source_image = MultipleImageField(
        required=False, label="Source face (one or more photos of the same person)",
        help_text=f"Several photos (up to {MAX_SOURCE_PHOTOS}) average into one identity.")
    source_id = forms.ChoiceField(required=False, label="…or a gallery source")
    target_media = forms.FileField(label="Target (video or image)",
                                   widget=forms.ClearableFileInput(attrs={"accept": VIDEO_OR_IMAGE}))
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

    options_excluded = ("face_selection",)  # each detected person is mapped

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
