"""Sign-up end to end with the real SMTP backend on a loopback server: open, invite and closed
modes, verification by the link in the received mail, sign-up credits once and only after
verification, and an API key made in the console that the API accepts (the SDK's first call)."""
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.ledger.models import LedgerEntry
from apps.ledger.selectors import credit_balance_get
from apps.membership.models import Invite, SignupRecord

from .conftest import PASSWORD, mail_links, mail_text

pytestmark = pytest.mark.django_db


def _sign_up(client: Client, address: str, **extra) -> object:
    return client.post(reverse("account_signup"), {"email": address, "password1": PASSWORD,
                                                   "password2": PASSWORD, **extra})


def _confirmation_link(mailbox, address: str) -> str:
    message = mailbox.wait_for(address)[-1]
    links = [link for link in mail_links(message) if "/accounts/confirm-email/" in link]
    assert links, f"no confirmation link in the mail: {mail_text(message)!r}"
    return links[0]


def _follow(client: Client, link: str) -> object:
    """Opens the mail's link, then presses Confirm on the page it shows."""
    path = urlparse(link).path
    page = client.get(path)
    assert page.status_code == 200 and b"confirm" in page.content.lower()
    return client.post(path)


def _sign_in(client: Client, login: str) -> object:
    return client.post(reverse("console:login"), {"login": login, "password": PASSWORD})


def test_a_stranger_signs_up_verifies_by_mail_signs_in_and_uses_a_new_key(client, mailbox, settings):
    settings.ISAMURAI_SIGNUP, settings.ISAMURAI_SIGNUP_CREDITS = "open", 7
    address = "stranger@example.test"
    assert _sign_up(client, address).status_code == 302
    user = User.objects.get(email=address)
    assert SignupRecord.objects.filter(user=user).exists()
    assert credit_balance_get(user=user) == 0  # nothing before verification

    # Unverified: signing in sends the mail again and lets nobody in; no key either.
    refused = _sign_in(Client(), address)
    assert refused.status_code == 302 and "confirm-email" in refused["Location"]
    link = _confirmation_link(mailbox, address)
    message = mailbox.to(address)[0]
    assert message["From"] == "iSamurai <noreply@example.test>" and "[iSamurai]" in message["Subject"]

    confirmed = _follow(Client(), link)
    assert confirmed.status_code == 302
    assert credit_balance_get(user=user) == 7
    _follow(Client(), link)  # a second click grants nothing more
    grants = LedgerEntry.objects.filter(account__user=user, kind=LedgerEntry.Kind.GRANT)
    assert [(e.delta, e.note) for e in grants] == [(7, "sign-up credits")]

    browser = Client()
    signed_in = _sign_in(browser, address)
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("console:jobs")
    created = browser.post(reverse("console:key-create"), {"name": "sdk"})
    assert created.status_code == 302
    profile = browser.get(reverse("console:profile"))
    full_key = profile.context["new_key"]
    assert full_key and full_key.startswith("isk_")
    api = Client(HTTP_AUTHORIZATION=f"Api-Key {full_key}")
    answer = api.get("/api/user-credits/")
    assert answer.status_code == 200 and answer.json()["user_credits"] == 7


def test_signing_in_by_username_still_works_for_operator_made_accounts(client, make_user):
    user, key = make_user("operator-made")
    user.set_password(PASSWORD)
    user.email = "operator-made@example.test"
    user.save()
    assert _sign_in(Client(), "operator-made@example.test")["Location"] == reverse("console:jobs")  # by email
    assert _sign_in(client, "operator-made")["Location"] == reverse("console:jobs")
    assert client.post(reverse("console:key-create"), {"name": "x"}).status_code == 302
    assert client.get(reverse("console:profile")).context["new_key"]


def test_an_unverified_account_gets_no_key(client, mailbox, settings):
    settings.ISAMURAI_SIGNUP = "open"
    _sign_up(client, "early@example.test")
    user = User.objects.get(email="early@example.test")
    client.force_login(user)
    response = client.post(reverse("console:key-create"), {"name": "too soon"}, follow=True)
    assert b"Verify your email address first" in response.content
    assert not user.api_keys.exists()


def test_closed_sign_up_lets_nobody_in(client, mailbox, settings):
    settings.ISAMURAI_SIGNUP = "closed"
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200 and b"closed" in page.content.lower()
    _sign_up(client, "nobody@example.test")
    assert not User.objects.filter(email="nobody@example.test").exists()
    assert mailbox.to("nobody@example.test") == []
    assert b"sign-up-link" not in client.get(reverse("console:login")).content
    settings.ISAMURAI_SIGNUP = "open"
    assert b"sign-up-link" in client.get(reverse("console:login")).content


def test_invite_codes_are_single_use(client, mailbox, settings, admin_client):
    settings.ISAMURAI_SIGNUP = "invite"
    made = admin_client.post(reverse("admin:membership_invite_add"), {"note": "for carol"})
    assert made.status_code == 302
    invite = Invite.objects.get(note="for carol")

    without = _sign_up(client, "carol@example.test")
    assert without.status_code == 200 and not User.objects.filter(email="carol@example.test").exists()
    wrong = _sign_up(client, "carol@example.test", invite_code="not-a-code")
    assert b"invite code is unknown, used or expired" in wrong.content
    form = client.get(reverse("account_signup") + f"?invite={invite.code}")
    assert invite.code.encode() in form.content  # the link from the admin fills the code in

    assert _sign_up(client, "carol@example.test", invite_code=invite.code).status_code == 302
    invite.refresh_from_db()
    assert invite.used_by.email == "carol@example.test" and invite.used_at is not None
    _follow(Client(), _confirmation_link(mailbox, "carol@example.test"))

    again = _sign_up(Client(), "mallory@example.test", invite_code=invite.code)
    assert b"invite code is unknown, used or expired" in again.content
    assert not User.objects.filter(email="mallory@example.test").exists()


def test_password_reset_by_the_mailed_link(client, mailbox, settings):
    settings.ISAMURAI_SIGNUP = "open"
    _sign_up(client, "forgetful@example.test")
    _follow(Client(), _confirmation_link(mailbox, "forgetful@example.test"))
    browser = Client()
    assert browser.post(reverse("account_reset_password"), {"email": "forgetful@example.test"}).status_code == 302
    message = mailbox.wait_for("forgetful@example.test", count=2)[-1]
    link = next(link for link in mail_links(message) if "/accounts/password/reset/key/" in link)
    page = browser.get(urlparse(link).path, follow=True)  # allauth moves the key into the session
    assert page.status_code == 200
    changed = browser.post(page.redirect_chain[-1][0] if page.redirect_chain else urlparse(link).path,
                           {"password1": "a-new-pw-42x", "password2": "a-new-pw-42x"})
    assert changed.status_code == 302
    assert Client().post(reverse("console:login"),
                         {"login": "forgetful@example.test", "password": "a-new-pw-42x"}).status_code == 302


def test_changing_the_email_needs_the_new_address_verified(client, mailbox, settings):
    settings.ISAMURAI_SIGNUP, settings.ISAMURAI_SIGNUP_CREDITS = "open", 3
    _sign_up(client, "old@example.test")
    _follow(Client(), _confirmation_link(mailbox, "old@example.test"))
    browser = Client()
    _sign_in(browser, "old@example.test")
    assert browser.post(reverse("account_email"), {"action_add": "", "email": "new@example.test"}).status_code == 302
    _follow(browser, _confirmation_link(mailbox, "new@example.test"))
    user = User.objects.get(emailaddress__email="new@example.test")
    assert user.emailaddress_set.get(email="new@example.test").verified
    # Credits came once, with the first verification, not again with the new address.
    assert LedgerEntry.objects.filter(account__user=user, kind=LedgerEntry.Kind.GRANT).count() == 1
    assert credit_balance_get(user=user) == 3
