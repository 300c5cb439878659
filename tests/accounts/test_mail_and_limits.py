"""Mail settings from the environment, and the sign-up and password-reset limits per address."""
import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from isamurai_server.mail import CONSOLE_BACKEND, SMTP_BACKEND, mail_settings_from_env

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_mail_goes_to_the_console_unless_an_smtp_host_is_set():
    embedded = mail_settings_from_env({})
    assert embedded.backend == CONSOLE_BACKEND and not embedded.use_tls


def test_smtp_settings_from_the_environment():
    starttls = mail_settings_from_env({
        "ISAMURAI_EMAIL_HOST": "smtp.example.test", "ISAMURAI_EMAIL_USER": "u",
        "ISAMURAI_EMAIL_PASSWORD": "p@ss:/word", "ISAMURAI_EMAIL_FROM": "Ops <o@x.test>"})
    assert (starttls.backend, starttls.host, starttls.port, starttls.use_tls, starttls.use_ssl) == (
        SMTP_BACKEND, "smtp.example.test", 587, True, False)
    assert (starttls.user, starttls.password, starttls.from_address) == ("u", "p@ss:/word", "Ops <o@x.test>")
    implicit = mail_settings_from_env({"ISAMURAI_EMAIL_HOST": "smtp.example.test", "ISAMURAI_EMAIL_USE_SSL": "true"})
    assert (implicit.port, implicit.use_tls, implicit.use_ssl) == (465, False, True)
    plain = mail_settings_from_env({"ISAMURAI_EMAIL_HOST": "10.0.0.5", "ISAMURAI_EMAIL_PORT": "25",
                                    "ISAMURAI_EMAIL_USE_TLS": "false"})
    assert (plain.port, plain.use_tls) == (25, False)
    with pytest.raises(ValueError, match="exclusive"):
        mail_settings_from_env({"ISAMURAI_EMAIL_HOST": "h", "ISAMURAI_EMAIL_USE_SSL": "1",
                                "ISAMURAI_EMAIL_USE_TLS": "1"})


def test_sign_ups_from_one_address_are_limited(mailbox, settings):
    settings.ISAMURAI_SIGNUP = "open"
    limit = int(settings.ACCOUNT_RATE_LIMITS["signup"].split("/")[0])
    for n in range(limit):
        made = Client().post(reverse("account_signup"), {"email": f"bulk{n}@example.test", "password1": PASSWORD,
                                                         "password2": PASSWORD})
        assert made.status_code == 302
    refused = Client().post(reverse("account_signup"), {"email": "one-more@example.test", "password1": PASSWORD,
                                                        "password2": PASSWORD})
    assert refused.status_code == 429
    assert not User.objects.filter(email="one-more@example.test").exists()
    elsewhere = Client(REMOTE_ADDR="127.0.0.9").post(reverse("account_signup"), {
        "email": "one-more@example.test", "password1": PASSWORD, "password2": PASSWORD})
    assert elsewhere.status_code == 302


def test_password_resets_are_limited_per_address_and_per_email(mailbox, make_user):
    user, _ = make_user("resetme")
    user.email = "resetme@example.test"
    user.save()
    for _ in range(3):
        assert Client().post(reverse("account_reset_password"), {"email": user.email}).status_code == 302
    assert len(mailbox.wait_for(user.email, count=3)) == 3
    again = Client(REMOTE_ADDR="127.0.0.7").post(reverse("account_reset_password"), {"email": user.email})
    assert again.status_code == 429  # the same email, even from another address
    assert len(mailbox.to(user.email)) == 3
