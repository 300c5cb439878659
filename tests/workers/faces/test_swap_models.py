"""The swapper choice (``swap_model``, issue 22) on real photos with real SCRFD keypoints.

Each model runs as a round-trip stand-in with its real signature and its own pre- and
post-processing (``tests.standin_models.build_round_trip_swapper``: the model's output is its
input crop), so a swap gives the photo back but for what the alignment, the model's
normalisation, the tiling of pixel boost and the paste cost: measured here per model as the
PSNR inside the face box, with the pixels outside it untouched.
"""
from __future__ import annotations

import shutil

import numpy as np
import onnx
import pytest

from tests.standin_models import build_round_trip_swapper, write_standins
from workers.choices import SWAP_MODELS, SwapModel
from workers.errors import ModelUnavailable
from workers.faces.analyser import FaceAnalyser
from workers.faces.embedder import normalise
from workers.faces.swappers import swapper_load
from workers.model_zoo.registry import ModelRegistry
from workers.options import required_models
from workers.pipelines.context import PipelineError
from workers.pipelines.faceswap import build_frame_swapper, swap_image
from workers.pipelines.options import faceswap_options
from workers.processors.face_swap import FaceSwapProcessor, boost_size

from ..face_helpers import box_mask

NATIVE = {SwapModel.INSWAPPER_128: 128}  # every other swapper: 256


def _native(model: SwapModel) -> int:
    return NATIVE.get(model, 256)


def psnr(first: np.ndarray, second: np.ndarray) -> float:
    error = np.mean((first.astype(np.float64) - second.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0 ** 2 / max(error, 1e-12)))


@pytest.fixture(scope="module")
def round_trip_dir(tmp_path_factory, testdata):
    folder = tmp_path_factory.mktemp("swap_models_round_trip")
    write_standins(folder, names=["w600k_r50", "crossface_ghost", "crossface_simswap"])
    for model in SWAP_MODELS:
        onnx.save(build_round_trip_swapper(model.value), str(folder / f"{model.value}.onnx"))
    shutil.copyfile(testdata / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    return folder


@pytest.fixture(scope="module")
def round_trip(round_trip_dir) -> ModelRegistry:
    return ModelRegistry(round_trip_dir, providers="cpu")


@pytest.fixture(scope="module")
def analyser(round_trip) -> FaceAnalyser:
    return FaceAnalyser(round_trip)


def _swap(models, target, **options):
    return swap_image(models, target=target, sources=target, face_selection="all", **options)


def test_a_request_without_swap_model_runs_inswapper_as_before():
    options = faceswap_options()
    assert options.swap_model is SwapModel.INSWAPPER_128
    assert "inswapper_128" in required_models(options)
    assert not {"hyperswap_1a_256", "ghost_2_256", "crossface_ghost"} & set(required_models(options))


@pytest.mark.parametrize(("model", "weights"), [
    ("hyperswap_1a_256", {"hyperswap_1a_256"}), ("hyperswap_1c_256", {"hyperswap_1c_256"}),
    ("ghost_2_256", {"ghost_2_256", "crossface_ghost"}), ("simswap_256", {"simswap_256", "crossface_simswap"})])
def test_each_swapper_needs_its_own_weights_only(model, weights):
    needed = set(required_models(faceswap_options(swap_model=model)))
    assert weights <= needed and "inswapper_128" not in needed


def test_a_bad_swap_model_names_the_field_and_the_choices():
    with pytest.raises(PipelineError, match="'blendswap_256' is not a valid swap_model; use inswapper_128, "
                                            "hyperswap_1a_256, .*ghost_3_256 or simswap_256"):
        faceswap_options(swap_model="blendswap_256")


@pytest.mark.parametrize("model", list(SWAP_MODELS))
@pytest.mark.parametrize("name", ["obama.jpg", "biden.jpg"])
def test_identity_round_trip_per_model_keeps_the_face_and_touches_nothing_else(round_trip, analyser, read_image,
                                                                              model, name):
    """Measured (PSNR inside the face box at the model's own size): inswapper 31.0 / 34.6 dB
    (obama / biden), HyperSwap 34.7 / 38.4, GHOST and SimSwap 34.8 / 38.8; a 256-px model keeps
    what inswapper keeps only with pixel_boost=256."""
    target = read_image(name)
    faces = analyser.analyse(target, embed=False)
    result = _swap(round_trip, target, swap_model=model)
    x1, y1, x2, y2 = faces[0].pixel_box(target.shape)
    box = (slice(y1, y2), slice(x1, x2))
    floor = {"obama.jpg": 30.5, "biden.jpg": 34.0}[name] + (3.5 if _native(model) == 256 else 0.0)
    assert psnr(result[box], target[box]) >= floor
    outside = ~box_mask(target.shape, faces)
    assert np.array_equal(result[outside], target[outside])


@pytest.mark.parametrize("model", list(SWAP_MODELS))
def test_pixel_boost_per_model_tiles_the_native_size(round_trip, analyser, read_image, model):
    """512 px is (512 / native)^2 tiles of the model's own size: measured +8.5 dB over 128 for
    inswapper on this face, +4.8 to +5.0 dB over 256 for the 256-px models."""
    target = read_image("obama.jpg")
    face = analyser.analyse(target, embed=False)[0]
    x1, y1, x2, y2 = face.pixel_box(target.shape)
    box = (slice(y1, y2), slice(x1, x2))
    native = _swap(round_trip, target, swap_model=model, pixel_boost=str(_native(model)))
    boosted = _swap(round_trip, target, swap_model=model, pixel_boost="512")
    assert psnr(boosted[box], target[box]) >= psnr(native[box], target[box]) + 4.5


@pytest.mark.parametrize(("asked", "native", "size"), [
    (128, 128, 128), (384, 128, 384), (128, 256, 256), (256, 256, 256), (384, 256, 512), (512, 256, 512)])
def test_a_boost_is_rounded_up_to_a_multiple_of_the_models_size(asked, native, size):
    assert boost_size(asked, native) == size


@pytest.mark.parametrize("boost", ["128", "384", "auto"])
def test_a_256_px_model_never_swaps_below_its_size(round_trip, analyser, read_image, boost):
    face = analyser.analyse(read_image("two_people.jpg"), embed=False)[0]
    processor = FaceSwapProcessor(swapper_load(round_trip, SwapModel.HYPERSWAP_1A_256), pixel_boost=boost)
    assert processor.crop_size(face.keypoints) in (256, 512)
    assert processor.crop_size(face.keypoints) % 256 == 0


def test_each_family_turns_the_embedding_into_its_own_latent(round_trip):
    embedding = normalise(np.random.default_rng(7).standard_normal((1, 512)))[0]
    inswapper = swapper_load(round_trip, "inswapper_128")
    np.testing.assert_allclose(inswapper.source_latent(embedding), normalise(embedding[None] @ inswapper.emap),
                               rtol=1e-5, atol=1e-7)
    hyperswap = swapper_load(round_trip, "hyperswap_1b_256")
    np.testing.assert_allclose(hyperswap.source_latent(embedding), embedding[None], rtol=1e-6, atol=1e-7)
    ghost = swapper_load(round_trip, "ghost_2_256")
    converted = ghost.converter.convert(embedding)
    np.testing.assert_allclose(ghost.source_latent(embedding), converted, rtol=1e-6, atol=1e-7)  # not normalised
    assert abs(float(np.linalg.norm(converted)) - 1) > 0.05
    simswap = swapper_load(round_trip, "simswap_256")
    np.testing.assert_allclose(simswap.source_latent(embedding), normalise(simswap.converter.convert(embedding)),
                               rtol=1e-6, atol=1e-7)
    # CrossFace normalises its input: a raw (unnormalised) embedding converts the same.
    np.testing.assert_allclose(ghost.converter.convert(embedding * 23.0), converted, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("model", "missing"), [("ghost_2_256", "crossface_ghost"),
                                                ("simswap_256", "crossface_simswap"),
                                                ("hyperswap_1a_256", "hyperswap_1a_256")])
def test_a_missing_swapper_or_converter_is_named(round_trip_dir, tmp_path, read_image, model, missing):
    folder = tmp_path / "models"
    shutil.copytree(round_trip_dir, folder)
    (folder / f"{missing}.onnx").unlink()
    with pytest.raises(ModelUnavailable, match=missing):
        build_frame_swapper(ModelRegistry(folder, providers="cpu"), sources=read_image("obama.jpg"),
                            swap_model=model)


def test_multi_swap_takes_the_jobs_swapper(round_trip, analyser, read_image):
    target = read_image("two_people.jpg")
    persons = sorted(analyser.analyse(target, embed=False), key=lambda face: face.centre[0])
    x1, y1, x2, y2 = persons[0].pixel_box(target.shape)
    thumbnail = target[max(0, y1 - 40):y2 + 40, max(0, x1 - 40):x2 + 40]
    swapper = build_frame_swapper(round_trip, sources={"P1": read_image("obama.jpg")}, thumbnails={"P1": thumbnail},
                                  swap_model="ghost_2_256")
    step = next(processor for processor in swapper.processors if processor.name == "swap")
    assert step.swapper.spec.name == "ghost_2_256" and step.swapper.size == 256
