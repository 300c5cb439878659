"""Forms of the console's own pages (API keys, verify) and the file inputs the kinds' pages
share. Input validation only; the work is done by the apps' services."""
from django import forms

VIDEO_OR_IMAGE = "video/mp4,video/quicktime,.mp4,.mov,image/jpeg,image/png,.jpg,.jpeg,.png"
IMAGE = "image/jpeg,image/png,.jpg,.jpeg,.png"


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several image files in one field; cleans to a list (empty when none was sent)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": IMAGE, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=64, required=False, label="Key name",
                           widget=forms.TextInput(attrs={"placeholder": "e.g. laptop, CI"}))


class VerifyForm(forms.Form):
    file = forms.FileField(label="Image or video (JPG, PNG, WebP, MP4, MOV)",
                           widget=forms.ClearableFileInput(attrs={"accept": VIDEO_OR_IMAGE + ",image/webp,.webp"}))
