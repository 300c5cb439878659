"""Sign-in protection on the console and the admin (which signs in through the console's form):
lockout per account name and per address, the configurable admin path, two-factor for staff."""
import base64
import hashlib
import hmac
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
LOCKED = b"Too many failed login attempts"


def _user(make_user, username: str, **fields):
    user, _ = make_user(username)
    user.set_password(PASSWORD)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    return user


def _sign_in(client: Client, login: str, password: str = PASSWORD, **extra):
    return client.post(reverse("console:login"), {"login": login, "password": password}, **extra)


def test_five_wrong_passwords_lock_the_account_name_but_not_others(make_user):
    _user(make_user, "victim")
    _user(make_user, "bystander")
    for _ in range(5):
        wrong = _sign_in(Client(), "victim", "guess")
        assert wrong.status_code == 200 and LOCKED not in wrong.content
    locked = _sign_in(Client(), "victim")  # the right password, too late
    assert locked.status_code == 200 and LOCKED in locked.content
    assert _sign_in(Client(), "bystander").status_code == 302


def test_many_names_from_one_address_lock_that_address(make_user):
    _user(make_user, "honest")
    for n in range(10):
        _sign_in(Client(), f"sprayed-{n}", "guess")
    refused = _sign_in(Client(), "honest")
    assert refused.status_code in (200, 429) and b"honest" not in refused.get("Location", "").encode()
    assert "_auth_user_id" not in refused.client.session
    other_address = _sign_in(Client(REMOTE_ADDR="127.0.0.2"), "honest")
    assert other_address.status_code == 302


def test_the_admin_signs_in_through_the_protected_form(make_user):
    _user(make_user, "root", is_staff=True, is_superuser=True)
    client = Client()
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 302 and page["Location"].startswith(reverse("console:login"))
    for _ in range(5):
        _sign_in(client, "root", "guess")
    assert LOCKED in _sign_in(client, "root", next="/admin/").content
    assert client.get("/admin/").status_code == 302  # still signed out


def _totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (30 s steps, 6 digits, SHA-1), as authenticator apps compute it."""
    counter = struct.pack(">Q", int((at or time.time()) // 30))
    digest = hmac.new(base64.b32decode(secret, casefold=True), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def test_staff_must_set_up_two_factor_before_the_admin_then_sign_in_with_it(make_user, settings):
    settings.ISAMURAI_STAFF_2FA = True
    _user(make_user, "ops", is_staff=True, is_superuser=True)
    client = Client()
    assert _sign_in(client, "ops")["Location"] == reverse("console:jobs")
    sent = client.get("/admin/")
    assert sent.status_code == 302 and sent["Location"] == reverse("mfa_activate_totp")

    # Turning two-factor on asks for the password again (allauth's reauthentication).
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(asked["Location"], {"password": PASSWORD}).status_code == 302
    setup = client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    assert setup.status_code == 200 and secret in setup.content.decode()
    qr_code = setup.content.split(b'id="totp-qr"', 1)[1].split(b"</div>", 1)[0]
    assert b"<svg" in qr_code and b"data:image" not in setup.content  # inline SVG: no CSP exception
    assert client.post(reverse("mfa_activate_totp"), {"code": _totp(secret)}).status_code == 302
    assert Authenticator.objects.filter(user__username="ops", type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    recovery_codes = codes_page.context["unused_codes"]
    assert len(recovery_codes) >= 8

    # Signing in again asks for the code; a wrong one keeps the door shut.
    again = Client()
    step = _sign_in(again, "ops")
    assert step.status_code == 302 and step["Location"] == reverse("mfa_authenticate")
    assert again.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert again.get("/admin/").status_code == 302
    assert again.post(reverse("mfa_authenticate"), {"code": _totp(secret, time.time() + 30)}).status_code == 302
    assert again.get("/admin/").status_code == 200

    # A recovery code stands in for the phone, once.
    lost_phone = Client()
    _sign_in(lost_phone, "ops")
    assert lost_phone.post(reverse("mfa_authenticate"), {"code": recovery_codes[0]}).status_code == 302
    assert lost_phone.get("/admin/").status_code == 200


def test_staff_without_the_setting_reach_the_admin_directly(make_user, settings):
    settings.ISAMURAI_STAFF_2FA = False
    _user(make_user, "ops2", is_staff=True, is_superuser=True)
    client = Client()
    _sign_in(client, "ops2")
    assert client.get("/admin/").status_code == 200


def _settings_of(env: dict[str, str], code: str) -> str:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "isamurai_server.settings", **env}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=REPO,
                            env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_admin_path_comes_from_the_environment():
    code = ("from django.urls import reverse, resolve, Resolver404\n"
            "try:\n    resolve('/admin/'); old = 'served'\nexcept Resolver404:\n    old = 'gone'\n"
            "print(reverse('admin:index'), old)")
    code = f"exec({code!r})"
    assert _settings_of({"ISAMURAI_ADMIN_PATH": "/back-office-7q/"}, code) == "/back-office-7q/ gone"
    assert _settings_of({}, code) == "/admin/ served"
