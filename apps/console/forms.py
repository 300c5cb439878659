"""Console forms: input validation only; the work is done by the apps' services."""
import base64
import json

from django import forms

from apps.accounts.models import User
from apps.core.options import console_options_data, option_form_fields, options_from_form
from apps.swap.sources import MAX_SOURCE_PHOTOS
from workers.options import OptionsSchema, option_fields
from workers.pipelines.options import RestoreOptions, SlowMotionOptions, faceswap_options_schema

from .selectors import gallery_sources_list

VIDEO_OR_IMAGE = "video/mp4,video/quicktime,.mp4,.mov,image/jpeg,image/png,.jpg,.jpeg,.png"
IMAGE = "image/jpeg,image/png,.jpg,.jpeg,.png"


def _gallery_choices(user: User) -> list[tuple[str, str]]:
    return [("", "— none —")] + [
        (str(source.id), f"{source.created_at:%Y-%m-%d %H:%M} · {source.faces_detected} face(s)")
        for source in gallery_sources_list(user=user)
    ]


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=64, required=False, label="Key name",
                           widget=forms.TextInput(attrs={"placeholder": "e.g. laptop, CI"}))


class _OptionsForm(forms.Form):
    """A form whose option fields are a schema's public fields (apps.core.options), none declared
    here; ``options()`` answers the schema object. ``options_required`` must be chosen."""

    options_excluded: tuple[str, ...] = ()
    options_required: tuple[str, ...] = ()

    @staticmethod
    def options_schema() -> type[OptionsSchema]:
        raise NotImplementedError

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.option_specs = [spec for spec in option_fields(self.options_schema())
                             if spec.name not in self.options_excluded]
        self.fields.update(option_form_fields(self.option_specs))
        for name in self.options_required:
            self.fields[name].required = True
        self.order_fields(self.field_order)

    def options(self, **facts) -> OptionsSchema:
        return options_from_form(self.options_schema(), self.option_specs, self.cleaned_data, **facts)


class _JobOptionsForm(_OptionsForm):
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


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one field (one or more photos of the same person)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": IMAGE, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


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


class SlowMotionForm(_OptionsForm):
    options_schema = staticmethod(lambda: SlowMotionOptions)
    options_required = ("slowdown_factor", "quality", "mode")
    source_video = forms.FileField(label="Video", widget=forms.ClearableFileInput(
        attrs={"accept": "video/mp4,video/quicktime,.mp4,.mov"}))


class VerifyForm(forms.Form):
    file = forms.FileField(label="Image or video (JPG, PNG, WebP, MP4, MOV)",
                           widget=forms.ClearableFileInput(attrs={"accept": VIDEO_OR_IMAGE + ",image/webp,.webp"}))


class RestoreForm(_OptionsForm):
    options_schema = staticmethod(lambda: RestoreOptions)
    options_required = ("mode",)
    image = forms.FileField(label="Photo (JPG or PNG)", widget=forms.ClearableFileInput(attrs={"accept": IMAGE}))


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", _MultipleFileInput(attrs={"accept": IMAGE}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)) and data:
            return [super(_MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class GalleryUploadForm(forms.Form):
    images = _MultipleFileField(label="Face images (one or more)")
