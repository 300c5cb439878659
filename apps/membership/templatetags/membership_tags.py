from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def signup_open() -> bool:
    """Whether the sign-up page takes strangers (open) or invite holders (invite)."""
    return settings.ISAMURAI_SIGNUP in {"open", "invite"}
