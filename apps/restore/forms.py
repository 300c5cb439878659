"""The restore and gallery pages' forms: input validation only."""
from django import forms

from apps.console.console_forms import IMAGE
from workers.choices import RESTORE_MODES


class RestoreForm(forms.Form):
    image = forms.FileField(label="Photo (JPG or PNG)", widget=forms.ClearableFileInput(attrs={"accept": IMAGE}))
    mode = forms.ChoiceField(choices=RESTORE_MODES.pairs(), initial=RESTORE_MODES.default)


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
