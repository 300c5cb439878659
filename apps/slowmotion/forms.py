"""The slow motion page's form: input validation only; its option fields are the options
schema's (apps.core.options)."""
from django import forms

from apps.core.options import OptionsForm
from workers.pipelines.options import SlowMotionOptions


class SlowMotionForm(OptionsForm):
    options_schema = staticmethod(lambda: SlowMotionOptions)
    options_required = ("slowdown_factor", "quality", "mode")
    source_video = forms.FileField(label="Video", widget=forms.ClearableFileInput(
        attrs={"accept": "video/mp4,video/quicktime,.mp4,.mov"}))
