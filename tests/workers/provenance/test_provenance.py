"""The marks on outputs: C2PA manifests as a C2PA reader sees them, watermark bits after
re-encoding, the visible label's pixels."""
from __future__ import annotations

import io
import subprocess
import uuid
from pathlib import Path

import c2pa
import cv2
import numpy as np
import pytest
from cryptography import x509

from workers.provenance.c2pa_signing import (
    CLAIM_GENERATOR,
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    ManifestSigner,
    SigningCredentials,
    manifest_read,
)
from workers.provenance.label import draw_label, label_box
from workers.provenance.marking import OutputMarker
from workers.provenance.payload import WatermarkPayload
from workers.provenance.verification import media_inspect
from workers.provenance.watermark import DwtDctWatermark
from workers.video.probe import MediaProbe
from workers.video.reader import VideoFrameReader
from workers.video.writer import VideoFrameWriter


@pytest.fixture(scope="module")
def signer(tmp_path_factory) -> ManifestSigner:
    folder = tmp_path_factory.mktemp("c2pa") / "generated"
    return ManifestSigner(SigningCredentials.load(cert_path=None, key_path=None, generated_dir=folder))


@pytest.fixture
def photo(testdata: Path) -> np.ndarray:
    image = cv2.imread(str(testdata / "images" / "two_people.jpg"))
    assert image is not None
    return image


def _marker(signer, *, label=False) -> OutputMarker:
    payload = WatermarkPayload.for_job(server_id="test-server", job_id=uuid.uuid4())
    return OutputMarker(payload=payload, signer=signer, digital_source_type=COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
                        description="face swap", label=label, watermark=DwtDctWatermark())


def _actions(manifest: dict) -> list[dict]:
    for assertion in manifest["assertions"]:
        if assertion["label"].startswith("c2pa.actions"):
            return assertion["data"]["actions"]
    raise AssertionError("no actions assertion")


def test_generated_pair_is_made_once_and_labelled(tmp_path):
    first = SigningCredentials.load(cert_path=None, key_path=None, generated_dir=tmp_path / "c2pa")
    again = SigningCredentials.load(cert_path=None, key_path=None, generated_dir=tmp_path / "c2pa")
    assert first.self_generated and first.chain_pem == again.chain_pem and first.key_pem == again.key_pem
    assert b"Self-generated" in (tmp_path / "c2pa" / "README.txt").read_bytes()
    chain = x509.load_pem_x509_certificates(first.chain_pem)
    assert len(chain) == 2 and "self-generated, untrusted" in chain[0].subject.get_attributes_for_oid(
        x509.NameOID.COMMON_NAME)[0].value
    operator = SigningCredentials.load(cert_path=tmp_path / "c2pa" / "chain.pem",
                                       key_path=tmp_path / "c2pa" / "key.pem", generated_dir=tmp_path / "unused")
    assert not operator.self_generated and not (tmp_path / "unused").exists()
    with pytest.raises(ValueError):
        SigningCredentials.load(cert_path=tmp_path / "c2pa" / "chain.pem", key_path=None, generated_dir=tmp_path)


def test_signed_jpeg_carries_a_valid_manifest(signer, photo):
    marker = _marker(signer)
    jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    signed = marker.seal_bytes(jpeg, mime_type="image/jpeg")
    with c2pa.Reader("image/jpeg", io.BytesIO(signed)) as reader:
        manifest = reader.get_active_manifest()
        assert reader.get_validation_state() == "Valid"  # signature good; signer not on a trust list
    assert manifest["claim_generator_info"][0]["name"] == CLAIM_GENERATOR
    assert "self-generated" in manifest["signature_info"]["common_name"]
    actions = _actions(manifest)
    assert actions[0]["action"] == "c2pa.created"
    assert actions[0]["digitalSourceType"].endswith("/compositeWithTrainedAlgorithmicMedia")
    assert actions[1]["action"] == "c2pa.edited"
    assert cv2.imdecode(np.frombuffer(signed, np.uint8), cv2.IMREAD_COLOR).shape == photo.shape
    summary = manifest_read(signed, mime_type="image/jpeg")
    assert (summary.present, summary.valid, summary.claim_generator) == (True, True, CLAIM_GENERATOR)
    assert manifest_read(jpeg, mime_type="image/jpeg").present is False


def test_tampered_file_is_not_valid(signer, photo):
    signed = bytearray(_marker(signer).seal_bytes(cv2.imencode(".png", photo)[1].tobytes(), mime_type="image/png"))
    signed[len(signed) // 2] ^= 0xFF  # a pixel byte changes after signing
    summary = manifest_read(bytes(signed), mime_type="image/png")
    assert summary.present and not summary.valid


def test_watermark_survives_jpeg_80(photo):
    payload = WatermarkPayload.for_job(server_id="s1", job_id=uuid.uuid4())
    watermark = DwtDctWatermark()
    marked = watermark.embed(photo, payload.to_bits())
    assert cv2.PSNR(photo, marked) > 40
    recompressed = cv2.imdecode(cv2.imencode(".jpg", marked, [cv2.IMWRITE_JPEG_QUALITY, 80])[1], cv2.IMREAD_COLOR)
    reading = watermark.read(recompressed)
    assert np.mean(reading.bits == payload.to_bits()) >= 0.95
    assert WatermarkPayload.from_bits(reading.bits) == payload
    assert WatermarkPayload.from_bits(watermark.read(photo).bits) is None  # unmarked: no payload


def test_label_in_the_bottom_right_corner(photo):
    labelled = draw_label(photo)
    x1, y1, x2, y2 = label_box(photo.shape[1], photo.shape[0])
    assert x2 > photo.shape[1] * 0.8 and y2 > photo.shape[0] * 0.8
    assert (x2 - x1) < photo.shape[1] * 0.4
    corner, original = labelled[y1:y2, x1:x2].astype(int), photo[y1:y2, x1:x2].astype(int)
    assert (corner.max(axis=2) >= 200).sum() > 20  # white text
    assert np.median(corner) < np.median(original)  # on a darkened box
    outside = np.ones(photo.shape[:2], bool)
    outside[y1:y2, x1:x2] = False
    assert np.array_equal(labelled[outside], photo[outside])


def test_video_marks_survive_h264_crf_28(signer, testdata, tmp_path):
    clip = testdata / "videos" / "liveportrait_d18.mp4"
    marker = _marker(signer, label=True)
    info = MediaProbe().probe(clip)
    output = tmp_path / "out.mp4"
    with VideoFrameReader(clip, info=info) as reader, VideoFrameWriter(
            output, width=info.width, height=info.height, frame_rate=info.frame_rate, audio_source=info,
            frame_marker=marker.mark_frame) as writer:
        for frame in reader:
            writer.write(frame)
    marker.seal(output)
    with c2pa.Reader(str(output)) as reader:
        assert reader.get_validation_state() == "Valid"
        first_action = _actions(reader.get_active_manifest())[0]
        assert first_action["digitalSourceType"] == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    reencoded = tmp_path / "crf28.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(output), "-c:v", "libx264", "-crf", "28",
                    "-c:a", "copy", str(reencoded)], check=True)
    bits = marker.payload.to_bits()
    watermark = DwtDctWatermark()
    accuracies = []
    with VideoFrameReader(reencoded) as reader:
        for frame in reader:
            accuracies.append(np.mean(watermark.read(frame).bits == bits))
            x1, y1, x2, y2 = label_box(frame.shape[1], frame.shape[0])
            assert (frame[y1:y2, x1:x2].max(axis=2) >= 200).sum() > 10
    assert len(accuracies) == info.frame_count
    assert np.mean(np.array(accuracies) >= 0.95) >= 0.9
    inspection = media_inspect(reencoded, max_image_pixels=10**8)
    assert inspection.payload == marker.payload
    assert not inspection.manifest.present  # a re-encode drops the manifest; the watermark stays
    assert media_inspect(output, max_image_pixels=10**8).manifest.valid


def test_a_pattern_reused_for_eight_frames_still_marks_every_frame_after_crf_28(signer, testdata, tmp_path):
    clip = testdata / "videos" / "liveportrait_d19.mp4"
    marker = _marker(signer)
    marker.watermark_refresh = 8
    info = MediaProbe().probe(clip)
    output, reencoded = tmp_path / "out.mp4", tmp_path / "crf28.mp4"
    with VideoFrameReader(clip, info=info) as reader, VideoFrameWriter(
            output, width=info.width, height=info.height, frame_rate=info.frame_rate,
            frame_marker=marker.mark_frame) as writer:
        for frame in reader:
            writer.write(frame)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(output), "-c:v", "libx264", "-crf", "28",
                    str(reencoded)], check=True)
    watermark, bits = DwtDctWatermark(), marker.payload.to_bits()
    with VideoFrameReader(reencoded) as reader:
        accuracies = np.array([np.mean(watermark.read(frame).bits == bits) for frame in reader])
    assert len(accuracies) == info.frame_count
    assert np.mean(accuracies >= 0.95) >= 0.9
    assert media_inspect(reencoded, max_image_pixels=10**8).payload == marker.payload
