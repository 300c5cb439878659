"""The pages' CSP in headless Chromium: the console, the admin and the API docs work with no
inline script or style allowed, and the browser reports no violation."""
import shutil
import uuid

import pytest

from apps.core.storage import LocalMediaStorage, media_root
from apps.swap.models import FaceSwapJob
from tests.console.conftest import CHROME_FLAGS, CHROMEDRIVER, CHROMIUM
from tests.console.test_console_browser import _by, _sign_in, _wait

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def logging_browser():
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver); "
                    f"missing: {', '.join(missing)}", pytrace=False)
    webdriver = pytest.importorskip("selenium.webdriver", reason="the selenium package is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _violations(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]


def test_console_admin_and_docs_run_under_the_csp(logging_browser, live_server, console_user):
    browser, By = logging_browser, _by()
    user = console_user("csp-admin", credits=5)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    FaceSwapJob.objects.create(user=user, status="Processing", progress_percentage=40,
                               started_at=user.date_joined)
    _sign_in(browser, live_server, "csp-admin")
    violations = _violations(browser)
    bar = browser.find_element(By.CSS_SELECTOR, ".js-bar")
    _wait(browser, lambda b: bar.get_attribute("style").replace(" ", "") == "width:40%;",
          message="the progress bar drawn from data-progress by console.js")
    for path in ("/new/faceswap/", "/new/multiswap/", "/profile/"):
        browser.get(f"{live_server.url}{path}")
        _wait(browser, lambda b: b.find_elements(By.ID, "sign-out"), message=path)
        violations += _violations(browser)
    browser.get(f"{live_server.url}/admin/")
    _wait(browser, lambda b: "Site administration" in b.page_source, message="the admin index")
    violations += _violations(browser)
    browser.get(f"{live_server.url}/api/docs/")
    _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".swagger-ui .info"), timeout=20,
          message="Swagger UI rendered by its start-up script file")
    violations += _violations(browser)
    assert not violations, violations


def test_media_links_open_in_the_browser_under_their_sandbox(logging_browser, live_server, images, derived):
    """The media answers' own policy (default-src 'none'; sandbox) still lets the browser show the
    picture or play the video it was sent to, and nothing else."""
    browser = logging_browser
    folder = f"outputs/{uuid.uuid4().hex}"
    (media_root() / folder).mkdir(parents=True)
    shutil.copyfile(images / "obama.jpg", media_root() / folder / "result.jpg")
    shutil.copyfile(derived / "talking_2s.mp4", media_root() / folder / "result.mp4")
    browser.get_log("browser")  # start from a clean log

    browser.get(f"{live_server.url}{LocalMediaStorage().url(f'{folder}/result.jpg')}")
    _wait(browser, lambda b: b.execute_script("var i = document.images[0]; return i && i.naturalWidth > 0;"),
          message="the picture shown")
    browser.get(f"{live_server.url}{LocalMediaStorage().url(f'{folder}/result.mp4')}")
    loaded = "var v = document.querySelector('video'); return v && v.readyState >= 1;"
    _wait(browser, lambda b: b.execute_script(loaded), message="the video's metadata loaded")
    assert not _violations(browser)
