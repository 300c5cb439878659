"""Outgoing mail from the environment: SMTP when ISAMURAI_EMAIL_HOST is set, else the console.

Explicit ISAMURAI_EMAIL_* variables rather than one EMAIL_URL: each is documented in the README
next to the others, and a password with URL-reserved characters needs no escaping.
"""
from collections.abc import Mapping
from dataclasses import dataclass

from .env import parse_bool

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@dataclass(frozen=True)
class MailSettings:
    backend: str
    host: str
    port: int
    use_tls: bool
    use_ssl: bool
    user: str
    password: str
    from_address: str
    timeout: int


def mail_settings_from_env(environ: Mapping[str, str]) -> MailSettings:
    host = environ.get("ISAMURAI_EMAIL_HOST", "").strip()
    use_ssl = parse_bool("ISAMURAI_EMAIL_USE_SSL", environ.get("ISAMURAI_EMAIL_USE_SSL"), False)
    # STARTTLS on the submission port is the common case; implicit TLS (465) is USE_SSL.
    use_tls = parse_bool("ISAMURAI_EMAIL_USE_TLS", environ.get("ISAMURAI_EMAIL_USE_TLS"), not use_ssl)
    if use_tls and use_ssl:
        raise ValueError("ISAMURAI_EMAIL_USE_TLS and ISAMURAI_EMAIL_USE_SSL are exclusive; set one")
    default_port = 465 if use_ssl else 587
    port_raw = environ.get("ISAMURAI_EMAIL_PORT", "").strip()
    try:
        port = int(port_raw) if port_raw else default_port
    except ValueError as exc:
        raise ValueError(f"ISAMURAI_EMAIL_PORT must be an integer, got {port_raw!r}") from exc
    return MailSettings(
        backend=SMTP_BACKEND if host else CONSOLE_BACKEND,
        host=host or "localhost",
        port=port,
        use_tls=use_tls if host else False,
        use_ssl=use_ssl if host else False,
        user=environ.get("ISAMURAI_EMAIL_USER", ""),
        password=environ.get("ISAMURAI_EMAIL_PASSWORD", ""),
        from_address=environ.get("ISAMURAI_EMAIL_FROM", "") or "iSamurai <noreply@localhost>",
        timeout=int(environ.get("ISAMURAI_EMAIL_TIMEOUT", "") or 10),
    )
