"""The slow motion page's form: input validation only."""
from django import forms

from workers.choices import QUALITIES, SLOWDOWN_FACTORS, SLOWMOTION_MODES


class SlowMotionForm(forms.Form):
    source_video = forms.FileField(label="Video", widget=forms.ClearableFileInput(
        attrs={"accept": "video/mp4,video/quicktime,.mp4,.mov"}))
    slowdown_factor = forms.TypedChoiceField(choices=SLOWDOWN_FACTORS.pairs(), coerce=int,
                                             initial=SLOWDOWN_FACTORS.default, label="Factor")
    quality = forms.ChoiceField(choices=QUALITIES.pairs(), initial=QUALITIES.default)
    mode = forms.ChoiceField(choices=SLOWMOTION_MODES.pairs(), initial=SLOWMOTION_MODES.default)
