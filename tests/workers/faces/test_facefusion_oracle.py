"""Equivalence of the new swappers' pre- and post-processing with their reference, FaceFusion
(facefusion/facefusion at commit 33cc6b40a4a538023e12893a0439ce5062e56e36), the way
``test_insightface_oracle.py`` checks inswapper against InsightFace.

No installable package provides FaceFusion, so the oracle below is a faithful transcription of
its steps, each citing the file and function it comes from: the warp templates and the warp
(facefusion/face_helper.py), the pixel-boost tiling (facefusion/processors/pixel_boost.py), the
model table and ``prepare_crop_frame``, ``prepare_source_embedding``, ``balance_source_embedding``
and ``normalize_crop_frame`` (facefusion/processors/modules/face_swapper/core.py). Both sides run
the same stand-in sessions (signature-exact, seeded random weights, so every pixel and every
embedding value counts), recorded at the session: the matrices, crops, blobs, latents and the
swapped crops are compared numerically.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from tests.standin_models import write_standins
from workers.faces.analyser import Face
from workers.faces.detector import ScrfdDetector
from workers.faces.embedder import ArcFaceEmbedder, normalise
from workers.faces.embedding_converter import EmbeddingConverter
from workers.faces.ghost import GHOST_SPECS, GhostSwapper
from workers.faces.hyperswap import HYPERSWAP_SPECS, HyperSwapper
from workers.faces.simswap import SIMSWAP_SPECS, SimSwapper
from workers.faces.warp import align_interpolation, warp_affine
from workers.processors.base import FaceTarget
from workers.processors.face_swap import FaceSwapProcessor

from .test_insightface_oracle import RecordingSession

CPU = ["CPUExecutionProvider"]

# -- the oracle: FaceFusion's steps, transcribed ---------------------------------------------------

# facefusion/face_helper.py, WARP_TEMPLATE_SET
FF_TEMPLATES = {
    "arcface_112_v1": np.array([[0.35473214, 0.45658929], [0.64526786, 0.45658929], [0.50000000, 0.61154464],
                                [0.37913393, 0.77687500], [0.62086607, 0.77687500]]),
    "arcface_128": np.array([[0.36167656, 0.40387734], [0.63696719, 0.40235469], [0.50019687, 0.56044219],
                             [0.38710391, 0.72160547], [0.61507734, 0.72034453]]),
}
# facefusion/processors/modules/face_swapper/core.py, create_static_model_set: type, template,
# size, mean, standard_deviation of each model
FF_MODELS = {
    "hyperswap_1a_256": ("hyperswap", "arcface_128", 256, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "hyperswap_1b_256": ("hyperswap", "arcface_128", 256, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "hyperswap_1c_256": ("hyperswap", "arcface_128", 256, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "ghost_1_256": ("ghost", "arcface_112_v1", 256, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "ghost_2_256": ("ghost", "arcface_112_v1", 256, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "ghost_3_256": ("ghost", "arcface_112_v1", 256, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "simswap_256": ("simswap", "arcface_112_v1", 256, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
}


def ff_warp_face_by_face_landmark_5(frame, landmark_5, template, crop_size, interpolation=None):
    """face_helper.estimate_matrix_by_face_landmark_5 + warp_face_by_face_landmark_5.
    ``interpolation``: ours instead of FaceFusion's INTER_AREA, where we chose otherwise on purpose
    (a boosted crop's texture-keeping warp, workers/faces/warp.py; the geometry stays FaceFusion's)."""
    template_norm = FF_TEMPLATES[template] * crop_size
    affine_matrix = cv2.estimateAffinePartial2D(landmark_5, template_norm, method=cv2.RANSAC,
                                                ransacReprojThreshold=100)[0]
    if interpolation is not None:
        return warp_affine(frame, affine_matrix, (crop_size, crop_size), interpolation=interpolation), affine_matrix
    crop = cv2.warpAffine(frame, affine_matrix, (crop_size, crop_size), borderMode=cv2.BORDER_REPLICATE,
                          flags=cv2.INTER_AREA)
    return crop, affine_matrix


def ff_implode_pixel_boost(crop, total, model_size):
    """processors/pixel_boost.implode_pixel_boost."""
    frames = crop.reshape(model_size, total, model_size, total, 3)
    return frames.transpose(1, 3, 0, 2, 4).reshape(total ** 2, model_size, model_size, 3)


def ff_explode_pixel_boost(frames, total, model_size, boost_size):
    """processors/pixel_boost.explode_pixel_boost."""
    crop = np.stack(frames).reshape(total, total, model_size, model_size, 3)
    return crop.transpose(2, 0, 3, 1, 4).reshape(boost_size, boost_size, 3)


def ff_prepare_crop_frame(crop, mean, std):
    """face_swapper/core.prepare_crop_frame."""
    crop = crop[:, :, ::-1] / 255.0
    crop = (crop - mean) / std
    crop = crop.transpose(2, 0, 1)
    return np.expand_dims(crop, axis=0).astype(np.float32)


def ff_normalize_crop_frame(crop, model_type, mean, std):
    """face_swapper/core.normalize_crop_frame."""
    crop = crop.transpose(1, 2, 0)
    if model_type in ["ghost", "hififace", "hyperswap", "uniface"]:
        crop = crop * std + mean
    crop = crop.clip(0, 1)
    return crop[:, :, ::-1] * 255


def ff_prepare_source_embedding(model_type, embedding, embedding_norm, converter_session):
    """face_swapper/core.prepare_source_embedding (+ convert_source_embedding,
    forward_convert_embedding) for the types tested here; ``embedding`` is the raw ArcFace output."""
    def convert(raw):
        converted = converter_session.run(None, {"input": raw})[0].ravel()
        return converted, converted / np.linalg.norm(converted)

    if model_type == "ghost":
        converted, _ = convert(embedding.reshape(-1, 512))
        return converted.reshape(1, -1)
    if model_type == "hyperswap":
        return embedding_norm.reshape((1, -1))
    _, converted_norm = convert(embedding.reshape(-1, 512))
    return converted_norm.reshape(1, -1)


def ff_balance_source_embedding(model_type, source_embedding, target_embedding, weight=0.5):
    """face_swapper/core.balance_source_embedding at the default --face-swapper-weight 0.5."""
    weight = np.interp(weight, [0, 1], [0.35, -0.35]).astype(np.float32)
    if model_type in ["hififace", "hyperswap", "inswapper", "simswap"]:
        target_embedding = target_embedding / np.linalg.norm(target_embedding)
    source_embedding = source_embedding.reshape(1, -1)
    target_embedding = target_embedding.reshape(1, -1)
    return source_embedding * (1 - weight) + target_embedding * weight


def ff_swap_crop(frame, landmark_5, model, session, source_embedding, boost):
    """face_swapper/core.swap_face up to the paste: warp, implode, per tile prepare -> forward ->
    normalize, explode; answers the swapped crop, the matrix and the tiles' blobs."""
    model_type, template, size, mean, std = FF_MODELS[model]
    # past the model's own size our crop takes the texture-keeping warp (measured in bench_texture)
    crop, matrix = ff_warp_face_by_face_landmark_5(frame, landmark_5, template, boost,
                                                   align_interpolation(boost) if boost > size else None)
    total = boost // size
    swapped, blobs = [], []
    for tile in ff_implode_pixel_boost(crop, total, size):
        blob = ff_prepare_crop_frame(tile, mean, std)
        blobs.append(blob)
        output = session.run(None, {"source": source_embedding, "target": blob})[0][0]
        swapped.append(ff_normalize_crop_frame(output, model_type, mean, std))
    return ff_explode_pixel_boost(swapped, total, size, boost), matrix, crop, blobs


# -- the comparison ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def standins(tmp_path_factory) -> dict[str, Path]:
    return write_standins(tmp_path_factory.mktemp("facefusion_oracle_models"), names=[
        "w600k_r50", "hyperswap_1a_256", "ghost_2_256", "simswap_256", "crossface_ghost", "crossface_simswap"])


@pytest.fixture(scope="module")
def detector(testdata: Path) -> ScrfdDetector:
    return ScrfdDetector(ort.InferenceSession(str(testdata / "models" / "det_500m.onnx"), providers=CPU),
                         score_threshold=0.5)


def _photo(testdata: Path, name: str) -> np.ndarray:
    image = cv2.imread(str(testdata / "images" / name))
    assert image is not None, name
    return image


def _ours(model: str, session, standins) -> object:
    if model.startswith("hyperswap"):
        return HyperSwapper(session, HYPERSWAP_SPECS[model])
    converter = EmbeddingConverter(ort.InferenceSession(
        str(standins["crossface_ghost" if model.startswith("ghost") else "crossface_simswap"]), providers=CPU))
    if model.startswith("ghost"):
        return GhostSwapper(session, GHOST_SPECS[model], converter)
    return SimSwapper(session, SIMSWAP_SPECS[model], converter)


@pytest.mark.parametrize("model", ["hyperswap_1a_256", "ghost_2_256", "simswap_256"])
@pytest.mark.parametrize("boost", [256, 512])
def test_swapper_is_fed_and_read_as_facefusion_does(testdata, detector, standins, model, boost):
    model_type = FF_MODELS[model][0]
    embedder_session = ort.InferenceSession(str(standins["w600k_r50"]), providers=CPU)
    embedder = ArcFaceEmbedder(embedder_session)
    source_image, target_image = _photo(testdata, "obama.jpg"), _photo(testdata, "two_people.jpg")
    source_points = detector.detect(source_image, 640).keypoints[0]
    # FaceFusion keeps the raw embedding and its norm; the server stores the unit one.
    raw = embedder.embed(source_image, [source_points])[0]
    converter_path = standins.get("crossface_ghost" if model_type == "ghost" else "crossface_simswap")
    converter_session = ort.InferenceSession(str(converter_path), providers=CPU)
    reference_latent = ff_prepare_source_embedding(model_type, raw, raw / np.linalg.norm(raw), converter_session)

    path = standins[model]
    recorded_ours, recorded_oracle = RecordingSession(path), RecordingSession(path)
    swapper = _ours(model, recorded_ours, standins)
    latent = swapper.source_latent(normalise(raw[None])[0])
    np.testing.assert_allclose(latent, reference_latent, rtol=1e-5, atol=1e-6)
    # The default weight leaves the embedding as it is (our swap has no weight option).
    target_embedding = embedder.embed(target_image, [detector.detect(target_image, 640).keypoints[0]])[0]
    np.testing.assert_allclose(ff_balance_source_embedding(model_type, reference_latent, target_embedding),
                               reference_latent, rtol=0, atol=0)

    processor = FaceSwapProcessor(swapper, pixel_boost=str(boost))
    detections = detector.detect(target_image, 640)
    compared = 0
    for box, points in zip(detections.boxes, detections.keypoints, strict=True):
        target = FaceTarget(face=Face(box=box, score=1.0, keypoints=points), key="source", latent=latent)
        processor.process(target_image.copy(), target)
        oracle_swapped, oracle_matrix, oracle_crop, oracle_blobs = ff_swap_crop(
            target_image.copy(), points.astype(np.float32), model, recorded_oracle, reference_latent, boost)
        # The similarity transform: Umeyama's least squares vs OpenCV's RANSAC (every point an inlier
        # at a 100 px threshold) refined by Levenberg-Marquardt: the same fit.
        np.testing.assert_allclose(target.crop.matrix, oracle_matrix, rtol=1e-4, atol=1e-3)
        # warpAffine has no area filter: INTER_AREA is bilinear there, so the crops agree as the
        # inswapper oracle's do (a matrix a few 1e-5 apart moves a 1/32 px sample now and then).
        difference = np.abs(target.crop.original.astype(int) - oracle_crop.astype(int))
        assert difference.max() <= 3 and difference.mean() < 0.02
        # What the model was fed, tile by tile: the blobs as close as the crops, the same latent.
        feeds = recorded_ours.feeds[-len(oracle_blobs):]
        std = np.asarray(FF_MODELS[model][4], np.float32).reshape(1, 3, 1, 1)
        for feed, blob in zip(feeds, oracle_blobs, strict=True):
            assert feed[swapper.target_name].shape == blob.shape == (1, 3, 256, 256)
            assert feed[swapper.target_name].dtype == blob.dtype == np.float32
            assert np.abs((feed[swapper.target_name] - blob) * std).max() <= 3.0 / 255 + 1e-5
            np.testing.assert_allclose(feed[swapper.source_name], reference_latent, rtol=1e-5, atol=1e-6)
        # What came back, read and tiled back: ours rounds to whole levels where FaceFusion keeps
        # floats until its paste truncates, so half a level apart on the same output; the rest is
        # the crops' own difference passing through the (near-identity) stand-in.
        assert target.crop.swapped.shape == oracle_swapped.shape == (boost, boost, 3)
        swapped_difference = np.abs(target.crop.swapped.astype(np.float64) - oracle_swapped)
        assert swapped_difference.max() <= 4 and swapped_difference.mean() < 0.3  # rounding: 0.25
        rounded_difference = np.abs(target.crop.swapped.astype(int) - np.floor(oracle_swapped + 0.5).astype(int))
        assert rounded_difference.max() <= 4 and rounded_difference.mean() < 0.02
        compared += 1
    assert compared == len(detections) >= 2


@pytest.mark.parametrize("model", ["hyperswap_1a_256", "ghost_2_256", "simswap_256"])
def test_the_output_is_read_as_facefusion_reads_it(standins, model):
    """The same model output through our reading and FaceFusion's: within the rounding."""
    model_type, _, size, mean, std = FF_MODELS[model]
    swapper = _ours(model, ort.InferenceSession(str(standins[model]), providers=CPU), standins)
    rng = np.random.default_rng(3)
    output = rng.uniform(-1.2, 1.2, (1, 3, size, size)).astype(np.float32)
    if model_type == "simswap":
        output = rng.uniform(-0.1, 1.1, (1, 3, size, size)).astype(np.float32)
    ours = swapper.image(output).astype(np.float64)
    theirs = ff_normalize_crop_frame(output[0], model_type, np.asarray(mean), np.asarray(std))
    assert np.abs(ours - theirs).max() <= 0.5 + 1e-3


def test_the_pixel_boost_tiling_is_facefusions(standins):
    from workers.processors.face_swap import pixel_shuffle, pixel_unshuffle

    crop = np.random.default_rng(4).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    ours = pixel_unshuffle(crop, 2)
    theirs = ff_implode_pixel_boost(crop, 2, 256)
    assert len(ours) == len(theirs) == 4
    for mine, reference in zip(ours, theirs, strict=True):
        assert np.array_equal(mine, reference)
    assert np.array_equal(pixel_shuffle(ours, 2), ff_explode_pixel_boost(list(theirs), 2, 256, 512))


def test_the_templates_are_facefusions():
    for model, (_, template, size, mean, std) in FF_MODELS.items():
        spec = {**HYPERSWAP_SPECS, **GHOST_SPECS, **SIMSWAP_SPECS}[model]
        np.testing.assert_allclose(spec.template(size), FF_TEMPLATES[template] * size, rtol=0, atol=1e-5)
        assert (spec.size, list(spec.mean), list(spec.std)) == (size, mean, std)
        assert spec.denormalise == (FF_MODELS[model][0] in ("ghost", "hyperswap"))
