"""Fixtures of the console tests: a real headless Chromium (Debian's chromium + chromium-driver,
driven by Selenium), the live server, and a real worker running the re-encode test pipeline for
jobs, with the real face detector for the source checks and previews."""
import os
import tempfile
from pathlib import Path

import pytest

from tests.jobs.conftest import TEST_PIPELINES
from tests.swap.conftest import api_models_dir  # noqa: F401  (a fixture, used by console_worker)
from tests.worker_process import WorkerPool, broker_purge

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
]
PASSWORD = "console-test-pw-1"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the browser tests save their screenshots: $ISAMURAI_ARTIFACTS or <tmp>/console-screens."""
    folder = Path(os.environ.get("ISAMURAI_ARTIFACTS") or Path(tempfile.gettempdir()) / "console-screens")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser():
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.skip(f"headless browser tests need Debian's chromium and chromium-driver "
                    f"(apt-get install chromium chromium-driver); missing: {', '.join(missing)}")
    webdriver = pytest.importorskip("selenium.webdriver", reason="the selenium package is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def console_worker(django_db_setup, django_db_blocker, api_models_dir):  # noqa: F811
    """One worker for the module: real detector for source checks and previews, and the ffmpeg
    re-encode test pipeline (slowed a little per frame) for the jobs themselves."""
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(api_models_dir), "ISAMURAI_PIPELINES_JSON": TEST_PIPELINES,
                       "ISAMURAI_TEST_FRAME_DELAY": "0.05"})
    worker = pool(concurrency=2)
    yield worker
    pool.stop_all()


@pytest.fixture
def console_user(db):
    """A user who can sign in with PASSWORD, with `credits` granted through the ledger."""
    from apps.accounts.services import user_get_or_create
    from apps.ledger.services import credits_grant

    def _make(username: str, *, credits: int = 0, plan: str | None = "Pro"):
        user, _ = user_get_or_create(username=username, plan_name=plan)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        if credits:
            credits_grant(user=user, amount=credits, note="welcome credits")
        return user

    return _make
