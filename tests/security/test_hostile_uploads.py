"""Every upload field against hostile files (issue #20 items 2, 5, 11, 12): lying video lengths,
playlists named .mp4, decompression bombs in PNG/JPEG/WebP, SVG and HTML. Each is a 400 naming
the field, before any worker is asked, with nothing charged, no job and no upload left behind."""
import base64
import io
from pathlib import Path

import pytest
from django.conf import settings

from apps.jobs.models import Job
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.slowmotion.pricing import SLOWMOTION_PRICES
from tests.security.bombs import HTML_WITH_SCRIPT, SVG_WITH_SCRIPT, bombs
from tests.security.conftest import api, b64

pytestmark = pytest.mark.django_db
IMAGES = Path(__file__).resolve().parents[1] / "data" / "images"
CREDITS = 100


def _uploads() -> set[str]:
    folders = set()
    for top in ("uploads", "gallery"):
        root = Path(settings.ISAMURAI_MEDIA_ROOT) / top
        folders |= {f"{top}/{p.name}" for p in root.iterdir()} if root.exists() else set()
    return folders


def _named(content: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def _post(client, endpoint: str, field: str, content: bytes, name: str):
    """One request with `content` in `field` and valid everything else."""
    photo = (IMAGES / "obama.jpg").read_bytes()
    if endpoint == "preview-swap-api":
        body = {"source_image_base64": b64(IMAGES / "obama.jpg"), "target_image_base64": b64(IMAGES / "biden.jpg")}
        body[field] = base64.b64encode(content).decode()
        return client.post(f"/api/{endpoint}/", body, content_type="application/json")
    if endpoint == "analyse-frame":
        return client.post(f"/api/{endpoint}/", {field: base64.b64encode(content).decode()},
                           content_type="application/json")
    forms = {
        "full-process-swap": {"source_image": _named(photo, "s.jpg"), "target_media": _named(photo, "t.jpg"),
                              "gquality": "480p"},
        "faceswap": {"source_image": _named(photo, "s.jpg"), "target_media": _named(photo, "t.jpg"),
                     "gquality": "480p"},
        "slowmotion": {"slowdown_factor": "2", "quality": "480p", "mode": "slowmo"},
        "restore-image": {"mode": "face_enhance"},
        "gallery/sources": {},
        "verify": {},
    }[endpoint]
    forms[field] = _named(content, name)
    return client.post(f"/api/{endpoint}/", forms)


IMAGE_FIELDS = [
    ("preview-swap-api", "source_image_base64"), ("preview-swap-api", "target_image_base64"),
    ("analyse-frame", "target_image_base64"), ("full-process-swap", "source_image"),
    ("full-process-swap", "target_media"), ("faceswap", "source_image"), ("restore-image", "image"),
    ("gallery/sources", "images"), ("verify", "file"),
]
VIDEO_FIELDS = [("full-process-swap", "target_media"), ("faceswap", "target_media"),
                ("slowmotion", "source_video"), ("verify", "file")]


def _refused(make_user, endpoint, field, content, name, *, says: str | tuple[str, ...]):
    user, key = make_user(credits=CREDITS)
    before = _uploads()
    response = _post(api(key), endpoint, field, content, name)
    assert response.status_code == 400, (endpoint, field, response.content[:300])
    error = response.json()["error"]
    assert error.split(":")[0].startswith(field), error  # the field is named first ("images[0]" too)
    assert any(part in error for part in ((says,) if isinstance(says, str) else says)), error
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == CREDITS
    assert not Job.objects.filter(user=user).exists()
    assert _uploads() == before
    return error


@pytest.mark.parametrize("kind", ["png", "jpeg", "webp", "webp_vp8x"])
@pytest.mark.parametrize("endpoint,field", IMAGE_FIELDS)
def test_decompression_bombs_are_refused_from_their_header(make_user, endpoint, field, kind):
    content = bombs(IMAGES)[kind]
    _refused(make_user, endpoint, field, content, f"photo.{kind[:4]}", says="pixels")


@pytest.mark.parametrize("content,name", [(SVG_WITH_SCRIPT, "x.svg"), (HTML_WITH_SCRIPT, "x.html"),
                                          (SVG_WITH_SCRIPT, "x.jpg"), (HTML_WITH_SCRIPT, "x.png")])
@pytest.mark.parametrize("endpoint,field", IMAGE_FIELDS + VIDEO_FIELDS[2:3])
def test_svg_and_html_are_refused_on_every_upload_field(make_user, endpoint, field, content, name):
    _refused(make_user, endpoint, field, content, name, says="")


@pytest.mark.parametrize("container", ["mp4", "mkv", "webm"])
@pytest.mark.parametrize("endpoint,field", VIDEO_FIELDS)
def test_a_lying_video_is_refused_on_every_video_field(make_user, lying_clips, endpoint, field, container):
    _refused(make_user, endpoint, field, lying_clips[container].read_bytes(), f"clip.{container}",
             says="says it is 0.5 seconds long but holds 20.0 seconds")


@pytest.mark.parametrize("endpoint,field", VIDEO_FIELDS)
def test_an_hls_playlist_named_mp4_is_refused_on_every_video_field(make_user, endpoint, field):
    playlist = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n/etc/passwd\n#EXT-X-ENDLIST\n"
    # Refused by the upload's sniffing (text) or, past it, by the probe's container allow-list.
    _refused(make_user, endpoint, field, playlist, "video.mp4", says=("holds text", "not a video we can read"))


def test_an_honest_twenty_second_clip_is_priced_by_its_twenty_seconds(make_user, honest_clips):
    """The same frames as the lying clips, honestly labelled: the Draft's price is the real length's."""
    user, key = make_user(credits=CREDITS)
    with open(honest_clips["mkv"], "rb") as clip:
        response = api(key).post("/api/slowmotion/", {"source_video": clip, "slowdown_factor": "2",
                                                      "quality": "480p", "mode": "slowmo"})
    assert response.status_code == 201, response.content
    project = response.json()["slowmotion"]
    assert project["duration_seconds"] == pytest.approx(20, abs=0.1)
    assert project["estimated_credits"] == 20 * SLOWMOTION_PRICES[2].credits()
