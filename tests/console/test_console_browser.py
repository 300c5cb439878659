"""The console in a real headless Chromium against the live server and a real worker: sign in,
create a key and use it with the API, submit a job and watch it reach Done, cancel one and see
the refund. Screenshots go to $ISAMURAI_ARTIFACTS (or <tmp>/console-screens)."""
from pathlib import Path

import cv2
import pytest
import requests

from apps.accounts.models import ApiKey
from apps.core.marking import output_marker
from apps.jobs.models import JobStatus
from apps.jobs.services import job_cancel
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.swap.models import FaceSwapJob, Preview
from apps.swap.provenance import FACE_SWAP_PROVENANCE

from .conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.testdata]

WAIT = 60


def _by():
    from selenium.webdriver.common.by import By

    return By


def _wait(browser, condition, timeout: float = WAIT, message: str = ""):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # A page that reloads itself (the live progress does when a job finishes) makes found elements stale.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(browser, timeout, poll_frequency=0.1, ignored_exceptions=ignored).until(condition, message)


def _shot(browser, folder: Path, name: str) -> None:
    browser.save_screenshot(str(folder / f"{name}.png"))


def _sign_in(browser, live_server, username: str) -> None:
    By = _by()
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/jobs/")
    _wait(browser, lambda b: "/login/" in b.current_url, message="the sign-in page")
    browser.find_element(By.ID, "id_login").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    _wait(browser, lambda b: b.current_url == f"{live_server.url}/jobs/" and b.find_elements(By.ID, "sign-out"),
          message="the jobs page after sign-in")


def _text(browser, element_id: str) -> str:
    return browser.find_element(_by().ID, element_id).text


def _submit_face_swap(browser, live_server, testdata: Path, target: Path, *, preview: bool = False,
                      screens: Path | None = None, quality: bool = False) -> str:
    """Fills the face swap form, optionally previews one frame, starts it; returns the job id."""
    from selenium.webdriver.support.ui import Select

    By = _by()
    browser.get(f"{live_server.url}/new/faceswap/")
    browser.find_element(By.ID, "id_source_image").send_keys(str(testdata / "images" / "obama.jpg"))
    browser.find_element(By.ID, "id_target_media").send_keys(str(target))
    Select(browser.find_element(By.ID, "id_gquality")).select_by_value("480p")
    browser.find_element(By.ID, "id_name").send_keys(target.stem[:20])
    if quality:  # the quality options block: 256 px boost, colour match, occlusion mask off
        browser.find_element(By.CSS_SELECTOR, "#quality-options summary").click()
        Select(browser.find_element(By.ID, "id_pixel_boost")).select_by_value("256")
        browser.find_element(By.ID, "id_color_match").click()
        padding = browser.find_element(By.ID, "id_face_mask_padding")
        padding.clear()
        padding.send_keys("12")
    if preview:
        button = browser.find_element(By.ID, "preview-button")
        _wait(browser, lambda b: button.is_enabled(), message="a frame of the target to be ready")
        button.click()
        _wait(browser, lambda b: b.find_element(By.ID, "preview-image").is_displayed()
              or "error" in b.find_element(By.ID, "preview-status").get_attribute("class"), message="the preview")
        assert "Preview ready" in _text(browser, "preview-status"), _text(browser, "preview-status")
        if screens:
            _shot(browser, screens, "03-faceswap-preview")
    browser.find_element(By.ID, "submit-job").click()
    _wait(browser, lambda b: "/jobs/" in b.current_url and b.find_elements(By.ID, "job-status"),
          message="the job page after submitting")
    assert "credits charged" in browser.find_element(By.CSS_SELECTOR, ".messages").text
    return browser.current_url.rstrip("/").rsplit("/", 1)[-1]


def test_sign_in_create_a_key_use_it_with_the_api_and_revoke_it(browser, live_server, console_user, screenshots):
    By = _by()
    user = console_user("alice", credits=50)
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/profile/")
    assert "/login/?next=/profile/" in browser.current_url
    browser.find_element(By.ID, "id_login").send_keys("alice")
    browser.find_element(By.ID, "id_password").send_keys("not-the-password")
    browser.find_element(By.ID, "sign-in").click()
    errors = _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".errors"), message="the sign-in error")
    assert "password you specified are not correct" in errors[0].text
    _shot(browser, screenshots, "01-sign-in-error")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    _wait(browser, lambda b: b.current_url == f"{live_server.url}/profile/", message="the profile after sign-in")
    assert _text(browser, "plan") == "Pro" and _text(browser, "profile-balance") == "50"

    browser.find_element(By.ID, "id_name").send_keys("from the test")
    browser.find_element(By.ID, "create-key").click()
    full_key = _wait(browser, lambda b: b.find_element(By.ID, "new-key").get_attribute("value"), message="new key")
    assert full_key.startswith("isk_") and len(full_key) == 52
    browser.find_element(By.ID, "copy-key").click()
    _wait(browser, lambda b: _text(b, "copy-key") == "Copied", message="the copy button")
    _shot(browser, screenshots, "02-profile-new-key")

    answer = requests.get(f"{live_server.url}/api/user-credits/", headers={"Authorization": f"Api-Key {full_key}"},
                          timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["user_credits"] == 50 and answer.json()["plan_name"] == "Pro"

    browser.refresh()
    assert not browser.find_elements(By.ID, "new-key")  # shown once only
    prefix = ApiKey.objects.get(user=user).prefix
    row = browser.find_element(By.CSS_SELECTOR, f'tr.key-row[data-prefix="{prefix}"]')
    assert f"isk_{prefix}…" in row.text and row.find_element(By.CSS_SELECTOR, ".js-last-used").text != "never"
    assert full_key not in browser.page_source

    row.find_element(By.CSS_SELECTOR, ".js-revoke").click()
    _wait(browser, lambda b: b.switch_to.alert, message="the revoke confirmation").accept()
    _wait(browser, lambda b: "revoked" in b.find_element(By.CSS_SELECTOR, ".messages").text, message="revoked")
    _shot(browser, screenshots, "02b-profile-key-revoked")
    revoked = requests.get(f"{live_server.url}/api/user-credits/",
                           headers={"Authorization": f"Api-Key {full_key}"}, timeout=10)
    assert revoked.status_code == 401 and revoked.json()["success"] is False


def test_submit_a_face_swap_and_watch_it_reach_done(browser, live_server, console_user, console_worker, testdata,
                                                     screenshots):
    By = _by()
    user = console_user("bob", credits=100)
    _sign_in(browser, live_server, "bob")
    job_id = _submit_face_swap(browser, live_server, testdata, testdata / "videos" / "liveportrait_d0.mp4",
                               preview=True, screens=screenshots)
    job = FaceSwapJob.objects.get(pk=job_id)
    assert job.user == user and job.credits_charged == 3  # 3.12 s of video
    _wait(browser, lambda b: _text(b, "job-status") == "Processing", message="the job to start processing")
    _wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".js-pct").text not in ("0%", "100%"),
          message="live progress")
    _shot(browser, screenshots, "04-job-processing")
    _wait(browser, lambda b: b.find_elements(By.ID, "output-player"), message="the job to reach Done")
    assert _text(browser, "job-status") == "Done"
    assert browser.find_element(By.CSS_SELECTOR, ".js-pct").text == "100%"
    output = browser.find_element(By.ID, "download").get_attribute("href")
    assert "/api/media/outputs/" in output and requests.get(output, timeout=10).status_code == 200
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="cancel"]')
    _shot(browser, screenshots, "05-job-done")

    browser.get(f"{live_server.url}/jobs/")
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-job-id="{job_id}"]')
    assert "Done" in row.text and row.find_element(By.LINK_TEXT, "Download")
    _shot(browser, screenshots, "06-jobs-list")
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - 1 - 3  # preview + job
    assert _text(browser, "balance") == "96"


def test_quality_options_reach_the_preview_and_the_job(browser, live_server, console_user, console_worker,
                                                       testdata):
    console_user("quinn", credits=20)
    _sign_in(browser, live_server, "quinn")
    job_id = _submit_face_swap(browser, live_server, testdata, testdata / "images" / "biden.jpg",
                               preview=True, quality=True)
    job = FaceSwapJob.objects.get(pk=job_id)
    assert job.quality_options["pixel_boost"] == "256" and job.quality_options["color_match"] is True
    assert job.quality_options["face_mask_padding"] == 12 and job.quality_options["face_mask"] == ["box"]
    preview = Preview.objects.filter(user=job.user).get()
    assert preview.quality_options["pixel_boost"] == "256" and preview.quality_options["color_match"] is True


def test_cancel_a_running_job_and_see_the_refund(browser, live_server, console_user, console_worker, testdata,
                                                 screenshots):
    By = _by()
    user = console_user("carol", credits=100)
    _sign_in(browser, live_server, "carol")
    job_id = _submit_face_swap(browser, live_server, testdata, testdata / "videos" / "liveportrait_d18.mp4")
    charged = FaceSwapJob.objects.get(pk=job_id).credits_charged
    assert charged == 6
    _wait(browser, lambda b: _text(b, "job-status") == "Processing"
          and b.find_element(By.CSS_SELECTOR, ".js-pct").text != "0%", message="the job to make progress")
    cancel = browser.find_element(By.CSS_SELECTOR, '[data-testid="cancel"]')
    assert "refund 3 of 6 credits (50%)" in cancel.text
    _shot(browser, screenshots, "07-job-before-cancel")
    cancel.click()
    # (The page before the click has a success message of its own: "Job submitted".)
    _wait(browser, lambda b: "Job cancelled" in _text_of(b, ".messages"), message="the cancel message")
    assert "Job cancelled: 3 credits refunded (50% of the 6 charged)." in _text_of(browser, ".msg-success")
    assert _text(browser, "job-status") == "Cancelled"
    ledger = browser.find_element(By.ID, "job-ledger").text
    assert "Refund +3" in ledger and "Charge -6" in ledger
    assert _text(browser, "balance") == "97"
    _shot(browser, screenshots, "08-job-cancelled-refund")
    job = FaceSwapJob.objects.get(pk=job_id)
    assert job.status == JobStatus.CANCELLED
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 97

    browser.get(f"{live_server.url}/profile/")
    assert "+3" in browser.find_element(By.CSS_SELECTOR, "tr.kind-refund").text
    _shot(browser, screenshots, "09-profile-ledger")


def test_multi_swap_detects_the_persons_of_a_frame(browser, live_server, console_user, console_worker, testdata,
                                                   screenshots):
    By = _by()
    console_user("dave", credits=10)
    _sign_in(browser, live_server, "dave")
    browser.get(f"{live_server.url}/new/multiswap/")
    browser.find_element(By.ID, "id_target_media").send_keys(str(testdata / "videos" / "two_faces_hstack.mp4"))
    detect = browser.find_element(By.ID, "detect-button")
    _wait(browser, lambda b: detect.is_enabled(), message="a frame of the target to be ready")
    detect.click()
    _wait(browser, lambda b: "found" in _text(b, "detect-status") or "error" in
          b.find_element(By.ID, "detect-status").get_attribute("class"), message="the persons")
    persons = browser.find_elements(By.CSS_SELECTOR, ".person")
    assert [p.get_attribute("data-person-id") for p in persons] == ["P1", "P2"], _text(browser, "detect-status")
    _shot(browser, screenshots, "10-multiswap-persons")

    browser.find_element(By.ID, "source_P1").send_keys(str(testdata / "images" / "obama.jpg"))
    browser.find_element(By.ID, "submit-multi").click()
    _wait(browser, lambda b: b.find_elements(By.ID, "job-status"), message="the multi swap job page")
    job = FaceSwapJob.objects.get(pk=browser.current_url.rstrip("/").rsplit("/", 1)[-1])
    assert job.multi and [p["person_id"] for p in job.analysis if p["has_source"]] == ["P1"]
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Multi swap")
    job_cancel(user=job.user, job_id=job.id)  # don't leave the worker busy with it


def _text_of(browser, selector: str) -> str:
    return browser.find_element(_by().CSS_SELECTOR, selector).text


def test_verify_page_reads_the_marks_of_an_output(browser, live_server, console_user, console_worker, testdata,
                                                  tmp_path, screenshots):
    By = _by()
    user = console_user("vera", credits=5)
    job = FaceSwapJob.objects.create(user=user, kind=FaceSwapJob.KIND, inputs={}, media_type="image")
    marker = output_marker(output_id=job.id, provenance=FACE_SWAP_PROVENANCE, label=True)
    photo = cv2.imread(str(testdata / "images" / "biden.jpg"))
    signed = tmp_path / "swapped.jpg"
    signed.write_bytes(marker.seal_bytes(cv2.imencode(".jpg", marker.mark_frame(photo))[1].tobytes(),
                                         mime_type="image/jpeg"))
    _sign_in(browser, live_server, "vera")
    browser.get(f"{live_server.url}/verify/")
    browser.find_element(By.ID, "id_file").send_keys(str(signed))
    browser.find_element(By.ID, "submit-verify").click()
    _wait(browser, lambda b: b.find_elements(By.ID, "verify-result"), message="the verify result")
    _shot(browser, screenshots, "20-verify-marked")
    assert _text(browser, "verify-c2pa") == "Present, signature valid"
    assert _text(browser, "verify-source-type").endswith("compositeWithTrainedAlgorithmicMedia")
    assert _text(browser, "verify-watermark") == "This server's"
    link = browser.find_element(By.CSS_SELECTOR, "#verify-job a")
    assert link.get_attribute("href").endswith(f"/jobs/{job.id}/")

    browser.find_element(By.ID, "id_file").send_keys(str(testdata / "images" / "biden.jpg"))
    browser.find_element(By.ID, "submit-verify").click()
    _wait(browser, lambda b: "biden.jpg" in b.find_element(By.CSS_SELECTOR, "#verify-result h2").text,
          message="the second result")
    assert _text(browser, "verify-c2pa") == "None" and _text(browser, "verify-watermark") == "None found"
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 5
