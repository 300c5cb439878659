"""The billing pages in a real headless Chromium against the live server and the loopback Stripe:
the public pricing page, buying a package (the browser lands on the Checkout URL Stripe made),
the credits once Stripe's signed event arrives (however often), a refund taking them back, the
receipts, the portal and the CSV of the credit history."""
import json

import pytest
import requests
from django.conf import settings
from django.test import Client

from apps.ledger.services import credits_charge
from tests.console.conftest import browser, console_user, screenshots  # noqa: F401  (fixtures)

from .conftest import WEBHOOK_PATH, WEBHOOK_SECRET, completed_session, stripe_event
from .fake_stripe import stripe_signature
from .test_stripe_payments import _balance

pytestmark = [pytest.mark.django_db(transaction=True)]
WAIT = 30


def _wait(browser, condition, message: str):  # noqa: F811
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT, poll_frequency=0.1,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                         ).until(condition, message)


def _post_event(live_server, event: dict) -> int:
    payload = json.dumps(event)
    response = requests.post(f"{live_server.url}{WEBHOOK_PATH}", data=payload, timeout=10, headers={
        "Content-Type": "application/json", "Stripe-Signature": stripe_signature(payload=payload,
                                                                                secret=WEBHOOK_SECRET)})
    return response.status_code


def test_buy_credits_in_the_browser_and_see_them_once(browser, live_server, stripe_on, plans, package,  # noqa: F811
                                                      console_user, screenshots):  # noqa: F811
    from selenium.webdriver.common.by import By

    user = console_user("buyer", plan=None)
    # The public pricing page: plans and packages, a sign-in link instead of a buy button.
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/pricing/")
    rows = browser.find_elements(By.CSS_SELECTOR, ".plan-row")
    assert [row.find_element(By.TAG_NAME, "strong").text for row in rows] == ["Free", "Pro"]
    assert "19.00 USD" in rows[1].text and "720p" in rows[0].text
    package_row = browser.find_element(By.CSS_SELECTOR, f".package-row[data-package-id='{package.pk}']")
    assert "9.99 USD" in package_row.text and "Sign in to buy" in package_row.text
    browser.save_screenshot(str(screenshots / "billing-pricing.png"))

    # Signed in through a session (the sign-in pages are tested with the accounts).
    client = Client()
    client.force_login(user)
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "path": "/",
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value})

    browser.get(f"{live_server.url}/profile/")
    assert browser.find_element(By.ID, "plan").text == "Free"
    browser.find_element(By.CSS_SELECTOR, f"#billing .js-buy[data-package-id='{package.pk}']").click()
    _wait(browser, lambda b: b.current_url.startswith(f"{stripe_on.url}/c/pay/cs_"), "the Checkout page")
    session_id = browser.current_url.rsplit("/", 1)[1]
    assert browser.find_element(By.ID, "stripe-page")

    # Stripe confirms the payment (and delivers the event again): the credits appear once.
    event = stripe_event("checkout.session.completed",
                         completed_session(stripe_on.objects[session_id], payment_intent="pi_browser"))
    assert [_post_event(live_server, event) for _ in range(2)] == [200, 200]
    browser.get(f"{live_server.url}/billing/checkout/done/?session_id={session_id}")
    _wait(browser, lambda b: "/profile/" in b.current_url, "back on the profile")
    assert browser.find_element(By.ID, "profile-balance").text == "100"
    assert browser.find_element(By.ID, "balance").text == "100"
    receipt_rows = browser.find_elements(By.CSS_SELECTOR, "#billing .receipt-row")
    assert len(receipt_rows) == 1 and "9.99 USD" in receipt_rows[0].text
    browser.save_screenshot(str(screenshots / "billing-profile-bought.png"))

    receipt_rows[0].find_element(By.TAG_NAME, "a").click()
    _wait(browser, lambda b: b.find_elements(By.ID, "receipt-reference"), "the receipt page")
    assert browser.find_element(By.ID, "receipt-reference").text == "pi_browser"
    assert browser.find_element(By.ID, "receipt-status").text == "Paid"

    # Credits spent, then the payment refunded: the balance goes below zero and the page says why.
    credits_charge(user=user, amount=30, job_kind="faceswap", note="a job")
    refund = {"id": "ch_browser", "object": "charge", "payment_intent": "pi_browser", "amount": 999,
              "amount_refunded": 999, "refunded": True}
    assert _post_event(live_server, stripe_event("charge.refunded", refund)) == 200
    browser.get(f"{live_server.url}/profile/")
    assert browser.find_element(By.ID, "profile-balance").text == "-30"
    assert "new jobs are refused" in browser.find_element(By.ID, "negative-balance").text
    assert _balance(user) == -30
    browser.save_screenshot(str(screenshots / "billing-profile-refunded.png"))

    # The credit history as CSV, with the session's cookie.
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    csv_text = requests.get(f"{live_server.url}/billing/usage.csv", cookies=cookies, timeout=10).text
    kinds = [line.split(",")[1] for line in csv_text.splitlines()[1:]]
    assert kinds == ["purchase", "charge", "reversal"] and "pi_browser" in csv_text

    # Cards and invoices: the Customer Portal of the loopback Stripe.
    browser.find_element(By.ID, "billing-portal").click()
    _wait(browser, lambda b: b.current_url.startswith(f"{stripe_on.url}/p/session/bps_"), "the portal page")
