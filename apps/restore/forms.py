"""The restore and gallery pages' forms: input validation only (restore's mode is its options schema's)."""
from django import forms

from apps.console.console_forms import IMAGE
from apps.core.options import OptionsForm
from workers.pipelines.options import RestoreOptions


class RestoreForm(OptionsForm):
    options_schema = staticmethod(lambda: RestoreOptions)
    options_required = ("mode",)
    image = forms.FileField(label="Photo (JPG or PNG)", widget=forms.ClearableFileInput(attrs={"accept": IMAGE}))

    def more_options(self) -> list:
        """The options besides ``mode`` (enhancer, upscale, colourise), in the schema's order."""
        return [self[spec.name] for spec in self.option_specs if spec.name != "mode"]


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
