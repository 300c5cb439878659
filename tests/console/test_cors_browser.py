"""CORS in a real headless Chromium: the seed documentation's JavaScript `faceSwap` example
(fetch + FormData, copied at test time from the seed text) runs unchanged on a page served from
another loopback port, against the live server and a real worker; an origin not on the list is
refused by the browser itself."""
import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest
import requests

from apps.jobs.models import JobStatus
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.swap.models import FaceSwapJob
from tests.conftest import TESTDATA_DIR

from .test_console_browser import _wait

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.testdata]

# The hosted API's documentation, kept with the test data (tests/data/seed).
SEED_DOC = TESTDATA_DIR / "seed" / "isamurai-api-documentation.txt"


def _seed_face_swap_function() -> str:
    """The docs' `async function faceSwap(...) {...}`, verbatim."""
    text = SEED_DOC.read_text()
    match = re.search(r"^async function faceSwap\(.*?^\}$", text, flags=re.S | re.M)
    assert match, f"the faceSwap example was not found in {SEED_DOC}"
    return match.group(0)


PAGE = """<!doctype html><html><head><title>pending</title></head><body><pre id="out"></pre><script>
const API_KEY = "{key}";
const BASE_URL = "{base}/api";
{function}
async function file(name, type) {{
    const blob = await (await fetch(name)).blob();
    return new File([blob], name, {{type}});
}}
(async () => {{
    try {{
        const output = await faceSwap(await file("face.jpg", "image/jpeg"),
                                      await file("video.mp4", "video/mp4"), "480p");
        document.getElementById("out").textContent = "OK " + output;
    }} catch (error) {{
        document.getElementById("out").textContent = "ERROR " + error;
    }}
    document.title = "finished";
}})();
</script></body></html>"""


@pytest.fixture
def page_server(tmp_path, testdata):
    """A static server on another loopback port: the page, a face and a short clip."""
    shutil.copyfile(testdata / "images" / "obama.jpg", tmp_path / "face.jpg")
    shutil.copyfile(testdata / "videos" / "liveportrait_d0.mp4", tmp_path / "video.mp4")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _run_page(browser, folder: Path, origin: str, key: str, base: str) -> str:
    (folder / "index.html").write_text(PAGE.format(key=key, base=base, function=_seed_face_swap_function()))
    browser.get(f"{origin}/index.html")
    _wait(browser, lambda b: b.title == "finished", timeout=120, message="the seed example to finish")
    return browser.find_element("id", "out").text


def test_seed_fetch_example_runs_from_another_origin(browser, live_server, console_worker, page_server, make_user,
                                                     settings):
    folder, origin = page_server
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com", origin]
    user, key = make_user(credits=100)
    result = _run_page(browser, folder, origin, key, live_server.url)
    assert result.startswith("OK /api/media/outputs/"), result
    job = FaceSwapJob.objects.get(user=user)
    assert job.status == JobStatus.DONE and job.gquality == "480p"
    output_url = result.removeprefix("OK ")
    assert output_url.split("?", 1)[0] == f"/api/media/{job.output_file}" and "signature=" in output_url
    download = requests.get(f"{live_server.url}{output_url}", timeout=10)
    assert download.status_code == 200 and download.content[4:8] == b"ftyp"
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 100 - job.credits_charged
    assert job.credits_charged > 0


def test_an_origin_not_listed_is_refused_by_the_browser(browser, live_server, page_server, make_user, settings):
    folder, origin = page_server
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    user, key = make_user(credits=100)
    result = _run_page(browser, folder, origin, key, live_server.url)
    assert result == "ERROR TypeError: Failed to fetch", result
    assert not FaceSwapJob.objects.filter(user=user).exists()  # the preflight stopped the upload
    assert credit_balance_get(user=user) == 100
