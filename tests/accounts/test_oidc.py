"""Company sign-in with OpenID Connect: off unless configured, configured from the environment,
and a full code flow against an identity provider on loopback (discovery, authorize, token with
the client's secret, userinfo, RS256 id_token)."""
import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.ledger.selectors import credit_balance_get
from apps.membership.models import SignupRecord

from .oidc_provider import LoopbackIdentityProvider
from .test_sign_in_protection import _settings_of

pytestmark = pytest.mark.django_db
CLIENT_ID, CLIENT_SECRET = "isamurai-test", "s3cret-for-the-test"


def test_company_sign_in_is_off_by_default():
    assert _settings_of({}, "from django.conf import settings; print(settings.SOCIALACCOUNT_PROVIDERS)") == "{}"
    assert b"provider-" not in Client().get(reverse("console:login")).content


def test_company_sign_in_is_configured_from_the_environment():
    env = {"ISAMURAI_OIDC_SERVER_URL": "https://idp.example.test/realms/staff", "ISAMURAI_OIDC_CLIENT_ID": "cid",
           "ISAMURAI_OIDC_CLIENT_SECRET": "csecret", "ISAMURAI_OIDC_NAME": "Example SSO"}
    code = "import json; from django.conf import settings; print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    providers = json.loads(_settings_of(env, code))
    assert providers == {"openid_connect": {"VERIFIED_EMAIL": True, "APPS": [{
        "provider_id": "company", "name": "Example SSO", "client_id": "cid", "secret": "csecret",
        "settings": {"server_url": "https://idp.example.test/realms/staff",
                     "token_auth_method": "client_secret_basic"}}]}}


def _configure(settings, idp: LoopbackIdentityProvider) -> None:
    settings.ISAMURAI_OIDC_SERVER_URL = idp.url
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"VERIFIED_EMAIL": True, "APPS": [{
        "provider_id": "company", "name": "Company sign-in", "client_id": CLIENT_ID, "secret": CLIENT_SECRET,
        "settings": {"server_url": idp.url, "token_auth_method": "client_secret_basic"}}]}}


def test_a_colleague_signs_in_through_the_company_identity_provider(settings):
    settings.ISAMURAI_SIGNUP, settings.ISAMURAI_SIGNUP_CREDITS = "closed", 4  # the IdP is the way in
    person = {"sub": "emp-1042", "email": "ada@corp.example.test", "email_verified": True, "name": "Ada L"}
    with LoopbackIdentityProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, person=person) as idp:
        _configure(settings, idp)
        browser = Client()
        login_page = browser.get(reverse("console:login"))
        assert b'id="provider-company"' in login_page.content
        start = browser.post(reverse("openid_connect_login", kwargs={"provider_id": "company"}))
        assert start.status_code == 302 and start["Location"].startswith(f"{idp.url}/authorize?")
        query = parse_qs(urlparse(start["Location"]).query)
        assert query["client_id"] == [CLIENT_ID] and "openid" in query["scope"][0]

        at_idp = requests.get(start["Location"], allow_redirects=False, timeout=10)  # the person signs in there
        callback = urlparse(at_idp.headers["Location"])
        back = browser.get(callback.path + "?" + callback.query)
        assert back.status_code == 302 and back["Location"] == reverse("console:jobs")
    assert {"POST /token", "GET /userinfo"} <= set(idp.requests)
    user = User.objects.get(email="ada@corp.example.test")
    assert user.socialaccount_set.get().uid == "emp-1042"
    assert SignupRecord.objects.filter(user=user).exists() and credit_balance_get(user=user) == 4
    assert browser.get(reverse("console:profile")).status_code == 200


def test_a_wrong_client_secret_signs_nobody_in(settings):
    person = {"sub": "emp-7", "email": "eve@corp.example.test", "email_verified": True}
    with LoopbackIdentityProvider(client_id=CLIENT_ID, client_secret="another", person=person) as idp:
        _configure(settings, idp)
        browser = Client()
        start = browser.post(reverse("openid_connect_login", kwargs={"provider_id": "company"}))
        callback = urlparse(requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"])
        back = browser.get(callback.path + "?" + callback.query)
    assert back.status_code == 401 and b"error" in back.content.lower()  # allauth's sign-in error page
    assert not User.objects.filter(email="eve@corp.example.test").exists()
