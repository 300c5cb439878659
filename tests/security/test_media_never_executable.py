"""Issue #20, item 1: an upload is never served as something a browser runs. Stored names take
the extension of the format the bytes are in (never the client's), media answers carry that
format's type with nosniff, a Content-Disposition and a sandboxing CSP, and markup (HTML, SVG, a
playlist) is refused on every upload field before anything is stored or charged."""
import base64
import json
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from apps.core.media_types import media_format_sniff
from apps.core.storage import LocalMediaStorage, S3MediaStorage, media_root
from apps.jobs.models import Job
from apps.restore.models import GallerySource
from apps.swap.models import FaceSwapJob

from .conftest import HLS_PLAYLIST, HTML_PAGE, SVG_IMAGE, jpeg_with_script_comment


def _api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _assert_inert(response, content_type: str) -> None:
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy
    assert response["Content-Disposition"].startswith("inline" if content_type != "application/octet-stream"
                                                      else "attachment")


@pytest.mark.parametrize("head,extension", [
    (b"\xff\xd8\xff\xe0" + HTML_PAGE, ".jpg"),
    (b"\x89PNG\r\n\x1a\n" + SVG_IMAGE, ".png"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ".webp"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", ".mp4"),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", ".mov"),
    (b"\x00\x00\x00\x08wide\x00\x00\x00\x10mdat", ".mov"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", ".webm"),
    (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", ".mkv"),
    (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", ".bin"),  # a still HEIF/AVIF, not a video
    (HTML_PAGE, ".bin"), (SVG_IMAGE, ".bin"), (HLS_PLAYLIST, ".bin"), (b"", ".bin"),
    (b"GIF89a\x01\x00\x01\x00", ".bin"), (b"%PDF-1.7\n", ".bin"),
])
def test_the_stored_extension_comes_from_the_bytes(head, extension):
    assert media_format_sniff(head).extension == extension


# --- every upload field refuses markup, whatever it is called ----------------------------------

def _multipart(key: str, endpoint: str, files: dict[str, Path], **data):
    handles = {name: open(path, "rb") for name, path in files.items()}
    try:
        return _api(key).post(endpoint, {**handles, **data})
    finally:
        for handle in handles.values():
            handle.close()


FILE_FIELDS = [
    ("/api/full-process-swap/", "source_image", {"target_media": "real_video"}, {"gquality": "480p"}),
    ("/api/full-process-swap/", "target_media", {"source_image": "real_image"}, {"gquality": "480p"}),
    ("/api/faceswap/", "source_image", {"target_media": "real_video"}, {"gquality": "480p"}),
    ("/api/faceswap/", "target_media", {"source_image": "real_image"}, {"gquality": "480p"}),
    ("/api/slowmotion/", "source_video", {}, {"slowdown_factor": "2", "quality": "480p", "mode": "fps"}),
    ("/api/restore-image/", "image", {}, {"mode": "restore"}),
    ("/api/gallery/sources/", "images", {}, {}),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "photo.jpg", "clip.mp4", "frame.png"])
@pytest.mark.parametrize("endpoint,field,others,data", FILE_FIELDS, ids=[f"{e}:{f}" for e, f, _, _ in FILE_FIELDS])
def test_markup_is_refused_on_every_file_field(make_user, images, derived, hostile_files, nothing_left_behind,
                                               name, endpoint, field, others, data):
    user, key = make_user(credits=50)
    real = {"real_image": images / "obama.jpg", "real_video": derived / "talking_2s.mp4"}
    gallery_before = set(GallerySource.objects.values_list("id", flat=True))
    response = _multipart(key, endpoint, {field: hostile_files[name], **{k: real[v] for k, v in others.items()}},
                          **data)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["success"] is False and body["error"].startswith(field), body["error"]
    nothing_left_behind(user, balance=50)
    assert set(GallerySource.objects.values_list("id", flat=True)) == gallery_before


BASE64_FIELDS = [
    ("/api/preview-swap-api/", "target_image_base64", {"source_image_base64": "real"}),
    ("/api/preview-swap-api/", "source_image_base64", {"target_image_base64": "real"}),
    ("/api/analyse-frame/", "target_image_base64", {}),
    ("/api/multi-preview-swap-api/", "target_image_base64", {"analysis_results": "persons"}),
    ("/api/multi-preview-swap-api/", "P1.source_image", {"target_image_base64": "real"}),
    ("/api/multi-preview-swap-api/", "P1.thumbnail", {"target_image_base64": "real"}),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("payload", [HTML_PAGE, SVG_IMAGE, b"data:image/svg+xml;base64,"],
                         ids=["html", "svg", "svg-url"])
@pytest.mark.parametrize("endpoint,field,others", BASE64_FIELDS, ids=[f"{e}:{f}" for e, f, _ in BASE64_FIELDS])
def test_markup_is_refused_in_every_base64_field(make_user, images, nothing_left_behind, payload, endpoint, field,
                                                 others):
    user, key = make_user(credits=50)
    real = base64.b64encode((images / "obama.jpg").read_bytes()).decode()
    hostile = (payload.decode() + base64.b64encode(SVG_IMAGE).decode() if payload.startswith(b"data:")
               else base64.b64encode(payload).decode())
    person = {"person_id": "P1", "thumbnail": real, "source_image": real}
    if field.startswith("P1."):
        person[field.split(".", 1)[1]] = hostile
        body = {"analysis_results": json.dumps([person])}
    else:
        body = {field: hostile}
        if others.get("analysis_results"):
            body["analysis_results"] = json.dumps([person])
    body.update({name: real for name, value in others.items() if value == "real"})
    response = _api(key).post(endpoint, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"].startswith(f"{field}: ")
    nothing_left_behind(user, balance=50)


# --- a valid JPEG carrying a script, uploaded as x.html ---------------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_polyglot_jpeg_named_html_is_stored_as_jpg_and_served_as_jpeg(swap_worker, make_user, polyglot_jpeg,
                                                                      images):
    user, key = make_user(credits=50)
    response = _multipart(key, "/api/gallery/sources/", {"images": polyglot_jpeg})
    assert response.status_code == 201, response.content
    source = GallerySource.objects.get(user=user)
    assert source.file.endswith("/source_0.jpg") and ".html" not in source.file
    url = response.json()["sources"][0]["url"]
    served = Client().get(url)
    assert served.status_code == 200
    _assert_inert(served, "image/jpeg")
    assert 'filename="source_0.jpg"' in served["Content-Disposition"]
    assert b"".join(served.streaming_content) == polyglot_jpeg.read_bytes()  # the bytes, untouched

    # The same file as a swap's source and target (a Draft, nothing charged): stored as .jpg too.
    draft = _multipart(key, "/api/faceswap/", {"source_image": polyglot_jpeg, "target_media": polyglot_jpeg},
                       gquality="480p")
    assert draft.status_code == 201, draft.content
    job = Job.objects.get(user=user)
    assert job.inputs["target"].endswith("/target.jpg")
    stored = sorted(path.name for path in (media_root() / job.inputs["target"]).parent.iterdir())
    assert all(Path(name).suffix == ".jpg" for name in stored), stored


@pytest.mark.django_db
@pytest.mark.parametrize("stored_name,data,content_type", [
    ("source_0.html", jpeg_with_script_comment(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
     "image/jpeg"),
    ("page.html", HTML_PAGE, "application/octet-stream"),
    ("drawing.svg", SVG_IMAGE, "application/octet-stream"),
    ("clip.mp4", HLS_PLAYLIST, "application/octet-stream"),
    ("output.mp4", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41", "video/mp4"),
])
def test_served_type_comes_from_the_bytes_not_the_name(stored_name, data, content_type):
    """Files stored before names were chosen by the server (or by any other way) are served by
    what they hold: markup is an opaque download, never text/html or image/svg+xml."""
    relpath = f"gallery/{uuid.uuid4().hex}/{stored_name}"
    (media_root() / relpath).parent.mkdir(parents=True)
    (media_root() / relpath).write_bytes(data)
    response = Client().get(LocalMediaStorage().url(relpath))
    assert response.status_code == 200
    _assert_inert(response, content_type)
    assert ".html" not in response["Content-Disposition"] or content_type == "application/octet-stream"


def test_presigned_bucket_links_fix_the_type_and_disposition(settings, monkeypatch):
    """With S3, the bucket answers the link: the presigned URL names the type of the stored
    (server-chosen) extension, and an unknown one downloads as an attachment."""
    settings.ISAMURAI_S3_BUCKET = "media"
    settings.ISAMURAI_S3_ENDPOINT_URL = "http://127.0.0.1:9"
    settings.ISAMURAI_S3_REGION = "us-east-1"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    storage = S3MediaStorage()
    image = storage.url("gallery/ab/source_0.jpg")
    assert "response-content-type=image%2Fjpeg" in image and "inline" in image
    unknown = storage.url("outputs/ab/page.bin")
    assert "response-content-type=application%2Foctet-stream" in unknown and "attachment" in unknown


# --- a separate media origin -----------------------------------------------------------------

MEDIA_ORIGIN = "https://media.example.test"


@pytest.fixture
def media_origin(settings):
    settings.ISAMURAI_MEDIA_ORIGIN = MEDIA_ORIGIN
    settings.ALLOWED_HOSTS = ["app.example.test", "media.example.test"]
    relpath = f"outputs/{uuid.uuid4().hex}/result.jpg"
    (media_root() / relpath).parent.mkdir(parents=True)
    (media_root() / relpath).write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    return relpath


@pytest.mark.django_db
def test_media_links_are_built_on_the_media_origin(media_origin):
    url = LocalMediaStorage().url(media_origin)
    assert url.startswith(f"{MEDIA_ORIGIN}/api/media/{media_origin}?expires=")
    served = Client(HTTP_HOST="media.example.test").get(url.removeprefix(MEDIA_ORIGIN), secure=True)
    assert served.status_code == 200
    _assert_inert(served, "image/jpeg")


@pytest.mark.django_db
def test_the_app_origin_serves_no_media_and_the_media_origin_nothing_else(media_origin, make_user):
    path = LocalMediaStorage().url(media_origin).removeprefix(MEDIA_ORIGIN)
    on_app = Client(HTTP_HOST="app.example.test").get(path)
    assert on_app.status_code == 302 and on_app["Location"] == f"{MEDIA_ORIGIN}{path}"
    assert not hasattr(on_app, "streaming_content")
    media = Client(HTTP_HOST="media.example.test")
    _, key = make_user(credits=5)
    for other in ("/", "/login/", "/admin/login/", "/api/user-credits/", "/api/health/"):
        answer = media.get(other, HTTP_AUTHORIZATION=f"Api-Key {key}")
        assert answer.status_code == 404, other
        assert "media origin" in answer.json()["error"]


# --- pages: console, admin, API docs get a CSP without inline script --------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/admin/", "/api/docs/"])
def test_pages_carry_a_csp_without_inline_script(client, make_user, path):
    staff, _ = make_user()
    staff.is_staff = staff.is_superuser = True
    staff.save(update_fields=["is_staff", "is_superuser"])
    if path == "/admin/":
        client.force_login(staff)
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in policy
    # Inline styles only on the API docs (Swagger UI's template); console and admin: files only.
    assert directives["style-src"] == ("'self' 'unsafe-inline'" if path == "/api/docs/" else "'self'")


def _inline_markup(html: str) -> list[str]:
    # A JSON data block (json_script) is not run; any other script element must load a file.
    scripts = re.findall(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", html)
    return scripts + re.findall(r"\son[a-z]+=", html) + re.findall(r"\sstyle=", html)


@pytest.mark.django_db
def test_console_pages_have_no_inline_script_or_style(make_user, client):
    user, _ = make_user(credits=5)
    FaceSwapJob.objects.create(user=user, progress_percentage=40)
    client.force_login(user)
    for path in ("/jobs/", "/new/faceswap/", "/new/multiswap/", "/new/slowmotion/", "/restore/", "/verify/",
                 "/gallery/", "/profile/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Content-Security-Policy" in response
        html = response.content.decode()
        assert not _inline_markup(html), (path, _inline_markup(html))
        assert "{#" not in html and "{%" not in html
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"] == ["'self'"]
