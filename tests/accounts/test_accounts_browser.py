"""The account pages in headless Chromium. The stranger's whole way in: sign up on an open server,
receive the mail on the loopback SMTP server, follow its link, confirm, sign in, make an API key
on the profile page, and call the API with it as the official SDK does (GET /api/user-credits/).
Staff signing in to the admin with two-factor; deleting one's account from the profile."""
import pytest
import requests

from tests.console.conftest import browser, screenshots  # noqa: F401  (fixtures)
from tests.worker_process import wait_for

from .conftest import PASSWORD, mail_links

pytestmark = [pytest.mark.django_db(transaction=True)]


def _by():
    from selenium.webdriver.common.by import By

    return By


def _wait(browser, predicate, message: str):  # noqa: F811
    return wait_for(lambda: predicate(browser), timeout=20, what=message)


def test_stranger_signs_up_verifies_signs_in_and_calls_the_api(browser, live_server, mailbox, settings,  # noqa: F811
                                                               screenshots):  # noqa: F811
    settings.ISAMURAI_SIGNUP, settings.ISAMURAI_SIGNUP_CREDITS = "open", 3
    By = _by()
    address = "browser-stranger@example.test"
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/login/")
    browser.find_element(By.ID, "sign-up-link").click()
    _wait(browser, lambda b: "/accounts/signup/" in b.current_url, "the sign-up page")
    browser.find_element(By.ID, "id_email").send_keys(address)
    browser.find_element(By.ID, "id_password1").send_keys(PASSWORD)
    browser.find_element(By.ID, "id_password2").send_keys(PASSWORD)
    browser.save_screenshot(str(screenshots / "accounts-01-sign-up.png"))
    browser.find_element(By.ID, "sign-up").click()
    _wait(browser, lambda b: "/accounts/confirm-email/" in b.current_url, "the 'check your mail' page")

    link = next(link for link in mail_links(mailbox.wait_for(address)[0]) if "/accounts/confirm-email/" in link)
    assert link.startswith(live_server.url)
    browser.get(link)
    browser.save_screenshot(str(screenshots / "accounts-02-confirm.png"))
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    _wait(browser, lambda b: "/login/" in b.current_url, "the sign-in page after confirming")

    browser.find_element(By.ID, "id_login").send_keys(address)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    _wait(browser, lambda b: b.current_url == f"{live_server.url}/jobs/", "the jobs page after sign-in")
    assert browser.find_element(By.ID, "balance").text == "3"

    browser.get(f"{live_server.url}/profile/")
    browser.find_element(By.ID, "id_name").send_keys("my laptop")
    browser.find_element(By.ID, "create-key").click()
    key_box = _wait(browser, lambda b: b.find_elements(By.ID, "new-key"), "the new key")[0]
    full_key = key_box.get_attribute("value")
    browser.save_screenshot(str(screenshots / "accounts-03-new-key.png"))
    assert full_key.startswith("isk_")
    answer = requests.get(f"{live_server.url}/api/user-credits/", headers={"Authorization": f"Api-Key {full_key}"},
                          timeout=10)
    assert answer.status_code == 200 and answer.json()["user_credits"] == 3


def test_staff_sign_in_to_the_admin_with_two_factor(browser, live_server, make_user, settings,  # noqa: F811
                                                    screenshots):  # noqa: F811
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from .test_sign_in_protection import _totp

    settings.ISAMURAI_STAFF_2FA = True
    By = _by()
    chief, _ = make_user("chief")
    chief.is_staff = chief.is_superuser = True
    chief.set_password(PASSWORD)
    chief.save()
    secret = generate_totp_secret()
    TOTP.activate(chief, secret)

    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/admin/")
    _wait(browser, lambda b: "/login/?next=" in b.current_url and "admin" in b.current_url,
          "the console's sign-in for the admin")
    browser.find_element(By.ID, "id_login").send_keys("chief")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    _wait(browser, lambda b: "/accounts/2fa/authenticate/" in b.current_url, "the two-factor step")
    browser.save_screenshot(str(screenshots / "accounts-04-two-factor.png"))
    browser.find_element(By.ID, "id_code").send_keys(_totp(secret))
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    _wait(browser, lambda b: b.current_url == f"{live_server.url}/admin/", "the admin after two-factor")
    assert "Site administration" in browser.page_source

    browser.get(f"{live_server.url}/profile/")
    assert "Two-factor authentication: on" in browser.find_element(By.ID, "two-factor").text
    browser.save_screenshot(str(screenshots / "accounts-05-profile.png"))


def test_delete_my_account_from_the_profile_page(browser, live_server, make_user, screenshots):  # noqa: F811
    from apps.accounts.models import User

    By = _by()
    leaver, key = make_user("browser-leaver")
    leaver.set_password(PASSWORD)
    leaver.save()
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/login/")
    browser.find_element(By.ID, "id_login").send_keys("browser-leaver")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    _wait(browser, lambda b: b.current_url == f"{live_server.url}/jobs/", "the jobs page after sign-in")
    browser.get(f"{live_server.url}/profile/")
    assert browser.find_element(By.ID, "download-data").is_displayed()
    browser.find_element(By.ID, "delete-account-link").click()
    _wait(browser, lambda b: "/account/delete/" in b.current_url, "the delete page")
    browser.find_element(By.ID, "id_password").send_keys("wrong-password")
    browser.find_element(By.ID, "delete-account").click()
    errors = _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".errors"), "the wrong-password error")
    assert "not your password" in errors[0].text
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.save_screenshot(str(screenshots / "accounts-06-delete.png"))
    browser.find_element(By.ID, "delete-account").click()
    _wait(browser, lambda b: "/login/" in b.current_url, "the sign-in page after deleting")
    assert "were deleted" in browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert User.objects.get(pk=leaver.pk).username == f"deleted-{leaver.pk}"
    answer = requests.get(f"{live_server.url}/api/user-credits/", headers={"Authorization": f"Api-Key {key}"},
                          timeout=10)
    assert answer.status_code == 401
