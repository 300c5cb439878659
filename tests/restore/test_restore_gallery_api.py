"""restore-image and the gallery of reusable sources, through the HTTP API and a real worker."""
import base64

import cv2
import numpy as np
import pytest

from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.restore.models import GallerySource
from tests.swap.conftest import api, b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _decode(text: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(base64.b64decode(text), np.uint8), cv2.IMREAD_COLOR)


def _restore(client, path, mode):
    with open(path, "rb") as image:
        return client.post("/api/restore-image/", {"image": image, "mode": mode})


def _block_means(image: np.ndarray) -> np.ndarray:
    high, wide = image.shape[0] // 8 * 8, image.shape[1] // 8 * 8
    return image[:high, :wide].astype(float).reshape(high // 8, 8, wide // 8, 8, 3).mean(axis=(1, 3))


def test_face_enhance_changes_the_face_and_leaves_the_rest(swap_worker, make_user, images):
    user, key = make_user(credits=3)
    client = api(key)
    response = _restore(client, images / "obama.jpg", "face_enhance")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "success" and body["url"].startswith("/api/media/restored/")
    assert body["url"].split("?", 1)[0].endswith(".jpg") and client.get(body["url"]).status_code == 200
    original = cv2.imread(str(images / "obama.jpg"))
    restored = _decode(body["image_base64"])
    assert restored.shape == original.shape
    x, y, w, h = client.post("/api/analyse-frame/", {"target_image_base64": b64(images / "obama.jpg")},
                             content_type="application/json").json()["analysis"][0]["bbox"]
    # Compared as 8x8 block means: the output's invisible watermark has zero mean over each
    # aligned 8x8 block (workers.provenance.watermark), so it drops out and the restore remains.
    diff = np.abs(_block_means(restored) - _block_means(original)).sum(axis=2)
    x, y, w, h = x // 8, y // 8, -(-w // 8), -(-h // 8)
    inside = diff[y:y + h, x:x + w].mean()
    outside_mask = np.ones(diff.shape, bool)
    pad = max(w, h)  # the FFHQ crop and its feathered mask reach beyond the detector's box
    outside_mask[max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad] = False
    assert inside > 5 * diff[outside_mask].mean()
    assert diff[outside_mask].mean() < 3  # JPEG re-encoding noise only
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 2


def test_restore_cleans_a_photo_without_faces_and_keeps_its_aspect(swap_worker, make_user, derived):
    user, key = make_user(credits=1)
    response = _restore(api(key), derived / "no_face.png", "restore")
    assert response.status_code == 200, response.json()
    restored = _decode(response.json()["image_base64"])
    assert restored.shape == (480, 640, 3)  # 320x240 upscaled 2x, 4:3 kept
    assert credit_balance_get(user=user) == 0


def test_face_enhance_without_a_face_is_400_and_free(swap_worker, make_user, derived, nothing_left_behind):
    user, key = make_user(credits=2)
    response = _restore(api(key), derived / "no_face.png", "face_enhance")
    assert response.status_code == 400 and "No face" in response.json()["error"]
    nothing_left_behind(user, balance=2)


@pytest.mark.parametrize("case", ["text", "truncated", "too_many_pixels", "no_mode", "bad_mode"])
def test_restore_bad_input_is_400_and_free(
    swap_worker, make_user, images, tmp_path, settings, nothing_left_behind, case
):
    user, key = make_user(credits=2)
    path, data = images / "obama.jpg", {"mode": "restore"}
    if case == "text":
        path = tmp_path / "photo.jpg"
        path.write_text("not an image at all")
    elif case == "truncated":
        path = tmp_path / "cut.jpg"
        path.write_bytes((images / "obama.jpg").read_bytes()[:3000])
    elif case == "too_many_pixels":
        settings.ISAMURAI_MAX_IMAGE_PIXELS = 1000
    elif case == "no_mode":
        data = {}
    else:
        data = {"mode": "sharpen"}
    with open(path, "rb") as image:
        response = api(key).post("/api/restore-image/", {"image": image, **data})
    assert response.status_code == 400, response.json()
    assert response.json()["success"] is False and response.json()["error"]
    nothing_left_behind(user, balance=2)


def test_gallery_upload_list_use_and_delete(swap_worker, make_user, images):
    user, key = make_user(credits=5)
    other, other_key = make_user(credits=5)
    client = api(key)
    with open(images / "obama.jpg", "rb") as first, open(images / "biden.jpg", "rb") as second:
        response = client.post("/api/gallery/sources/", {"images": [first, second]})
    assert response.status_code == 201, response.json()
    sources = response.json()["sources"]
    assert [s["faces_detected"] for s in sources] == [1, 1]
    assert all(s["url"].startswith("/api/media/gallery/") for s in sources)
    assert len(GallerySource.objects.get(pk=sources[0]["id"]).embedding) == 512
    listed = client.get("/api/gallery/sources/").json()["sources"]
    assert {s["id"] for s in listed} == {s["id"] for s in sources}

    preview = client.post("/api/preview-swap-api/", {
        "source_id": sources[0]["id"], "target_image_base64": b64(images / "biden2.jpg")},
        content_type="application/json")
    assert preview.status_code == 200, preview.json()
    assert credit_balance_get(user=user) == 4

    stolen = api(other_key).post("/api/preview-swap-api/", {
        "source_id": sources[0]["id"], "target_image_base64": b64(images / "biden2.jpg")},
        content_type="application/json")
    assert stolen.status_code == 404 and credit_balance_get(user=other) == 5
    assert api(other_key).delete(f"/api/gallery/sources/{sources[0]['id']}/").status_code == 404

    assert client.delete(f"/api/gallery/sources/{sources[0]['id']}/").status_code == 200
    assert [s["id"] for s in client.get("/api/gallery/sources/").json()["sources"]] == [sources[1]["id"]]
    assert client.delete(f"/api/gallery/sources/{sources[0]['id']}/").status_code == 404


def test_gallery_upload_needs_images(swap_worker, make_user):
    _, key = make_user()
    response = api(key).post("/api/gallery/sources/", {})
    assert response.status_code == 400 and "images" in response.json()["error"]
