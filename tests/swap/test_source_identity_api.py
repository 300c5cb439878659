"""Sources analysed once per job, and several photos of one person as one identity.

The submission-time check stores what it found (the source's embedding) with the job and the GPU
worker reuses it: its report says so and it is never given a source image; its output equals the
old path's (the pipeline analysing the source image itself). Gallery sources bring their stored
embedding. Several photos (``source_images`` in JSON, repeated ``source_image`` in multipart,
``source_ids``) become the L2-normalised mean of their embeddings, computed here independently
through the workers' analyser on the same model files, and cost what one photo costs.
"""
import base64
import json
import uuid
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.conf import settings

from apps.core.marking import output_marker
from apps.ledger.selectors import credit_balance_get, ledger_sum_get
from apps.restore.models import GallerySource
from apps.swap.models import FaceSwapJob
from apps.swap.provenance import FACE_SWAP_PROVENANCE, PREVIEW_PROVENANCE
from tests.worker_process import wait_finished
from workers.faces.analyser import FaceAnalyser, largest
from workers.imaging.codec import ImageDecoder
from workers.model_zoo.registry import ModelRegistry
from workers.pipelines import faceswap
from workers.pipelines.context import PipelineContext
from workers.pipelines.sources import FaceIdentity, SwapSources

from .conftest import api, b64

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OBAMAS = ("obama.jpg", "obama2.jpg", "obama3.jpg")


@pytest.fixture(scope="module")
def models(api_models_dir: Path) -> ModelRegistry:
    """The worker's model files, loaded in the test process to compute embeddings independently."""
    return ModelRegistry(api_models_dir, providers="cpu")


def embedding_of(models: ModelRegistry, path: Path) -> np.ndarray:
    image = ImageDecoder(settings.ISAMURAI_MAX_IMAGE_PIXELS).decode_file(path)
    return largest(FaceAnalyser(models).analyse(image)).embedding


def normalised_mean(embeddings: list[np.ndarray]) -> np.ndarray:
    mean = np.mean(np.stack(embeddings), axis=0)
    return mean / np.linalg.norm(mean)


def stored_source(job: FaceSwapJob) -> dict:
    assert len(job.analysis) == 1 and job.analysis[0]["person_id"] == "source" and job.analysis[0]["has_source"]
    return job.analysis[0]["source"]


def _media(relpath: str) -> Path:
    return Path(settings.ISAMURAI_MEDIA_ROOT) / relpath


def _swap(client, photos: list[Path], target: Path, **data):
    handles = [open(path, "rb") for path in photos]
    try:
        with open(target, "rb") as tgt:
            return client.post("/api/full-process-swap/", {"source_image": handles, "target_media": tgt,
                                                           "gquality": "720p", **data})
    finally:
        for handle in handles:
            handle.close()


def test_the_gpu_worker_reuses_the_submission_analysis_and_matches_the_old_path(
        swap_worker, make_user, images, models, tmp_path):
    user, key = make_user(credits=10)
    response = _swap(api(key), [images / "obama.jpg"], images / "biden2.jpg")
    assert response.status_code == 201, response.json()
    job = wait_finished(FaceSwapJob.objects.get(pk=response.json()["faceswap"]["id"]))
    assert job.status == "Done", job.error
    # Found once at submission, stored with the job: the embedding of the source's largest face.
    source = stored_source(job)
    assert source["photos"] == 1 and len(source["box"]) == 4
    np.testing.assert_allclose(source["embedding"], embedding_of(models, images / "obama.jpg"), atol=1e-6)
    # The GPU run got no source image to decode and says it reused the stored identity.
    assert set(job.inputs) == {"target"}
    assert job.report["source_embedding"] == "reused" and job.report["faces_swapped"] >= 1
    # The old path (the pipeline analysing the source image itself) makes the same picture.
    old = faceswap.run(PipelineContext(
        inputs={"target": _media(job.inputs["target"]), "source": images / "obama.jpg"},
        options={"gquality": "720p", "media_type": "image"}, output_dir=tmp_path, models=models,
        marker=output_marker(output_id=job.id, provenance=FACE_SWAP_PROVENANCE, label=job.label)))
    assert old.report.source_embedding == "computed"
    reused, computed = cv2.imread(str(_media(job.output_file))), cv2.imread(str(old.output))
    assert reused.shape == computed.shape and np.array_equal(reused, computed)
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 8


def test_a_gallery_source_swaps_with_its_stored_embedding(swap_worker, make_user, images):
    user, key = make_user(credits=10)
    client = api(key)
    with open(images / "obama2.jpg", "rb") as photo:
        gallery = client.post("/api/gallery/sources/", {"images": [photo]}).json()["sources"][0]
    with open(images / "biden2.jpg", "rb") as target:
        response = client.post("/api/full-process-swap/", {
            "source_id": gallery["id"], "target_media": target, "gquality": "480p"})
    assert response.status_code == 201, response.json()
    job = wait_finished(FaceSwapJob.objects.get(pk=response.json()["faceswap"]["id"]))
    assert job.status == "Done" and job.report["source_embedding"] == "reused"
    stored = GallerySource.objects.get(pk=gallery["id"]).embedding
    assert np.array_equal(np.float32(stored_source(job)["embedding"]), np.float32(stored))
    assert stored_source(job)["box"] is None  # taken from the gallery row, not found again


def test_several_photos_in_multipart_average_into_one_identity_at_the_same_price(
        swap_worker, make_user, images, models):
    user, key = make_user(credits=10)
    response = _swap(api(key), [images / name for name in OBAMAS], images / "biden2.jpg")
    assert response.status_code == 201, response.json()
    assert response.json()["faceswap"]["credits_charged"] == 2  # as with one photo
    job = wait_finished(FaceSwapJob.objects.get(pk=response.json()["faceswap"]["id"]))
    assert job.status == "Done", job.error
    source = stored_source(job)
    expected = normalised_mean([embedding_of(models, images / name) for name in OBAMAS])
    assert source["photos"] == 3
    np.testing.assert_allclose(source["embedding"], expected, atol=1e-6)
    assert abs(np.linalg.norm(source["embedding"]) - 1) < 1e-5
    assert not np.allclose(source["embedding"], embedding_of(models, images / "obama.jpg"), atol=1e-3)
    assert job.report["source_embedding"] == "reused"
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 8


def test_json_preview_with_source_images_and_source_ids_uses_the_mean(swap_worker, make_user, images, models):
    user, key = make_user(credits=10)
    client = api(key)
    with open(images / "obama3.jpg", "rb") as photo:
        gallery = client.post("/api/gallery/sources/", {"images": [photo]}).json()["sources"][0]
    averaged = client.post("/api/preview-swap-api/", {
        "source_images": [b64(images / "obama.jpg"), b64(images / "obama2.jpg")], "source_ids": [gallery["id"]],
        "target_image_base64": b64(images / "biden.jpg")}, content_type="application/json")
    assert averaged.status_code == 200, averaged.json()
    single = client.post("/api/preview-swap-api/", {
        "source_image_base64": b64(images / "obama.jpg"), "target_image_base64": b64(images / "biden.jpg")},
        content_type="application/json")
    assert single.status_code == 200
    assert credit_balance_get(user=user) == ledger_sum_get(user=user) == 10 - 1 - 1  # same price each

    # The same preview made here with the independently averaged identity is the same picture.
    identity = FaceIdentity(normalised_mean([embedding_of(models, images / name) for name in OBAMAS]))
    target = cv2.imread(str(images / "biden.jpg"))
    expected = faceswap.swap_image(models, target=target, sources=SwapSources.single(identity))

    def decoded(response) -> np.ndarray:
        return cv2.imdecode(np.frombuffer(base64.b64decode(response.json()["image_base64"]), np.uint8),
                            cv2.IMREAD_COLOR)

    made = decoded(averaged).astype(int)
    # with the marks every preview carries (its own watermark payload, from its id)
    marker = output_marker(output_id=uuid.UUID(averaged.json()["preview_id"]), provenance=PREVIEW_PROVENANCE)
    _, jpeg = cv2.imencode(".jpg", marker.mark_frame(expected), [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert np.abs(made - cv2.imdecode(jpeg, cv2.IMREAD_COLOR).astype(int)).max() <= 1
    assert np.abs(made - decoded(single).astype(int)).mean() > 0.05  # another identity than one photo


def test_multi_person_sources_take_several_photos(swap_worker, make_user, images, derived, models):
    user, key = make_user(credits=20)
    client = api(key)
    analysis = client.post("/api/analyse-frame/", {"target_image_base64": b64(derived / "two_faces_frame0.png")},
                           content_type="application/json").json()["analysis"]
    persons = [{"person_id": analysis[0]["person_id"], "thumbnail": analysis[0]["thumbnail"],
                "source_images": [b64(images / "obama.jpg"), b64(images / "obama2.jpg")]},
               {"person_id": analysis[1]["person_id"], "thumbnail": analysis[1]["thumbnail"]}]
    with open(derived / "two_faces_1_5s.mp4", "rb") as target:
        response = client.post("/api/multiple-face-swap/", {
            "target_media": target, "gquality": "480p", "analysis_results": json.dumps(persons)})
    assert response.status_code == 201, response.json()
    job = wait_finished(FaceSwapJob.objects.get(pk=response.json()["faceswap"]["id"]))
    assert job.status == "Done", job.error
    first, second = job.analysis
    assert (first["has_source"], second["has_source"]) == (True, False) and first["source"]["photos"] == 2
    expected = normalised_mean([embedding_of(models, images / name) for name in OBAMAS[:2]])
    np.testing.assert_allclose(first["source"]["embedding"], expected, atol=1e-6)
    assert first["thumbnail"]["embedding"] and second["thumbnail"]["embedding"]
    assert job.report["source_embedding"] == "reused"


@pytest.mark.parametrize(("photos", "field"), [
    (["obama.jpg", "derived:no_face.png", "obama2.jpg"], "source_images[1]"),
    (["obama.jpg"] * 11, "source_images"),
])
def test_bad_source_images_are_400_naming_the_field_and_free(
        swap_worker, make_user, images, derived, nothing_left_behind, photos, field):
    user, key = make_user(credits=5)
    paths = [derived / name.split(":")[1] if name.startswith("derived:") else images / name for name in photos]
    response = api(key).post("/api/preview-swap-api/", {
        "source_images": [b64(path) for path in paths], "target_image_base64": b64(images / "biden.jpg")},
        content_type="application/json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]
    nothing_left_behind(user, balance=5)


def test_a_faceless_photo_among_several_uploads_is_400_naming_it(
        swap_worker, make_user, images, derived, nothing_left_behind):
    user, key = make_user(credits=10)
    response = _swap(api(key), [images / "obama.jpg", derived / "no_face.png"], images / "biden2.jpg")
    assert response.status_code == 400, response.json()
    assert "source_image[1]" in response.json()["error"] and "No face" in response.json()["error"]
    too_many = _swap(api(key), [images / "obama.jpg"] * 11, images / "biden2.jpg")
    assert too_many.status_code == 400 and "source_image" in too_many.json()["error"]
    nothing_left_behind(user, balance=10)
