"""Provenance on real outputs: the C2PA manifest a reader sees, the watermark /api/verify/
finds (also after re-encoding), the visible label, through the HTTP API and a real worker."""
import base64
import io
import subprocess
from pathlib import Path

import c2pa
import cv2
import numpy as np
import pytest

from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.swap.models import FaceSwapJob
from tests.swap.conftest import api, b64
from tests.worker_process import job_done_body, media_file
from workers.provenance.c2pa_signing import CLAIM_GENERATOR
from workers.provenance.label import label_box

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


def _swap(client, source: Path, target: Path, **data) -> dict:
    with open(source, "rb") as src, open(target, "rb") as tgt:
        response = client.post("/api/full-process-swap/", {"source_image": src, "target_media": tgt, **data})
    assert response.status_code == 201, response.json()
    return job_done_body(client, response.json()["faceswap"]["id"], timeout=120)


def _verify(client, path: Path) -> dict:
    with open(path, "rb") as handle:
        response = client.post("/api/verify/", {"file": handle})
    assert response.status_code == 200, response.json()
    return response.json()


def _has_label(image: np.ndarray) -> bool:
    x1, y1, x2, y2 = label_box(image.shape[1], image.shape[0])
    corner = image[y1:y2, x1:x2].astype(int)
    brightest = corner.max(axis=2)
    # White text on a box darkened to 30%: bright strokes, and most of the box dark.
    return (brightest >= 200).sum() > 10 and np.mean(brightest < 90) > 0.5


def test_image_swap_output_is_signed_watermarked_labelled_and_verified(swap_worker, make_user, images, tmp_path):
    user, key = make_user(credits=10)
    client = api(key)
    body = _swap(client, images / "obama.jpg", images / "biden2.jpg", gquality="720p", label="true")
    output = media_file(body["output_media_url"])
    with c2pa.Reader(str(output)) as reader:
        assert reader.get_validation_state() == "Valid"
        manifest = reader.get_active_manifest()
    assert manifest["claim_generator_info"][0]["name"] == CLAIM_GENERATOR
    actions = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))["data"]["actions"]
    assert actions[0]["digitalSourceType"] == COMPOSITE
    assert _has_label(cv2.imread(str(output)))

    verified = _verify(client, output)
    assert verified == {"success": True,
                        "c2pa": {"present": True, "valid": True, "claim_generator": CLAIM_GENERATOR,
                                 "digital_source_type": COMPOSITE},
                        "watermark": {"found": True, "ours": True, "job_id": body["id"]}}
    # JPEG quality 80 drops the manifest's validity but not the watermark.
    recompressed = tmp_path / "q80.jpg"
    cv2.imwrite(str(recompressed), cv2.imread(str(output)), [cv2.IMWRITE_JPEG_QUALITY, 80])
    again = _verify(client, recompressed)
    assert again["c2pa"]["present"] is False
    assert again["watermark"] == {"found": True, "ours": True, "job_id": body["id"]}
    # Somebody else learns it is ours, not which job.
    _, other_key = make_user(credits=0)
    assert _verify(api(other_key), output)["watermark"] == {"found": True, "ours": True, "job_id": None}
    # A photo we never touched.
    untouched = _verify(client, images / "biden2.jpg")
    assert untouched["c2pa"]["present"] is False and untouched["watermark"]["found"] is False
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 8  # verify is free


def test_video_swap_output_is_signed_and_its_watermark_survives_crf_28(swap_worker, make_user, images, derived,
                                                                     tmp_path):
    user, key = make_user(credits=10)
    client = api(key)
    body = _swap(client, images / "obama.jpg", derived / "talking_2s.mp4", gquality="480p")
    output = media_file(body["output_media_url"])
    with c2pa.Reader(str(output)) as reader:
        assert reader.get_validation_state() == "Valid"
    first_frame = cv2.VideoCapture(str(output)).read()[1]
    assert not _has_label(first_frame)  # no label unless asked for (ISAMURAI_VISIBLE_LABEL is off)
    reencoded = tmp_path / "crf28.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(output), "-c:v", "libx264", "-crf", "28",
                    str(reencoded)], check=True)
    verified = _verify(client, reencoded)
    assert verified["watermark"] == {"found": True, "ours": True, "job_id": body["id"]}
    assert _verify(client, output)["c2pa"]["valid"] is True


def test_preview_is_signed_and_names_its_preview(swap_worker, make_user, images, tmp_path):
    user, key = make_user(credits=10)
    client = api(key)
    response = client.post("/api/preview-swap-api/", {
        "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": b64(images / "biden.jpg"),
        "label": True}, content_type="application/json")
    assert response.status_code == 200, response.json()
    jpeg = base64.b64decode(response.json()["image_base64"])
    with c2pa.Reader("image/jpeg", io.BytesIO(jpeg)) as reader:
        assert reader.get_validation_state() == "Valid"
    assert _has_label(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR))
    (tmp_path / "preview.jpg").write_bytes(jpeg)
    assert _verify(client, tmp_path / "preview.jpg")["watermark"]["job_id"] == response.json()["preview_id"]


def test_verify_refuses_what_is_not_media(swap_worker, make_user, derived):
    user, key = make_user(credits=3)
    client = api(key)
    with open(derived / "notes.mp4", "rb") as handle:
        response = client.post("/api/verify/", {"file": handle})
    assert response.status_code == 400 and response.json()["success"] is False
    assert client.post("/api/verify/", {}).status_code == 400
    assert credit_balance_get(user=user) == 3


def test_restore_output_is_signed_as_trained_algorithmic_media(swap_worker, make_user, images, tmp_path):
    user, key = make_user(credits=3)
    client = api(key)
    with open(images / "obama.jpg", "rb") as image:
        response = client.post("/api/restore-image/", {"image": image, "mode": "face_enhance"})
    assert response.status_code == 200, response.json()
    jpeg = base64.b64decode(response.json()["image_base64"])
    summary_path = tmp_path / "restored.jpg"
    summary_path.write_bytes(jpeg)
    verified = _verify(client, summary_path)
    assert verified["c2pa"]["valid"] is True
    assert verified["c2pa"]["digital_source_type"].endswith("/trainedAlgorithmicMedia")
    assert verified["watermark"]["found"] and verified["watermark"]["ours"]
    assert verified["watermark"]["job_id"] is not None  # the restore's own id


def test_server_label_setting_is_the_default_and_the_request_overrides_it(swap_worker, make_user, images, derived,
                                                                         settings):
    settings.ISAMURAI_VISIBLE_LABEL = True
    user, key = make_user(credits=0)
    client = api(key)

    def draft(**data) -> bool:
        with open(images / "obama.jpg", "rb") as src, open(derived / "talking_2s.mp4", "rb") as tgt:
            response = client.post("/api/faceswap/", {"source_image": src, "target_media": tgt, "gquality": "480p",
                                                      **data})
        assert response.status_code == 201, response.json()
        return FaceSwapJob.objects.get(id=response.json()["faceswap"]["id"]).label

    assert draft() is True
    assert draft(label="false") is False
    settings.ISAMURAI_VISIBLE_LABEL = False
    assert draft() is False
    assert draft(label="true") is True
