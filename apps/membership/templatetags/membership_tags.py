from django import template
from django.conf import settings

from workers.choices import SignupMode

register = template.Library()


@register.simple_tag
def signup_open() -> bool:
    """Whether the sign-up page takes strangers (open) or invite holders (invite)."""
    return settings.ISAMURAI_SIGNUP in (SignupMode.OPEN, SignupMode.INVITE)


@register.filter
def svg_inline(svg: str) -> str:
    """An SVG document as markup to place in a page: without its XML declaration."""
    text = str(svg)
    if text.startswith("<?xml"):
        text = text[text.index("?>") + 2:]
    return text.strip()
