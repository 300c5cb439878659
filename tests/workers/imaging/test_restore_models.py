"""restore's model steps on the signature-exact stand-ins: Real-ESRGAN tiling (seamless, bounded),
DDColor's colour (a known mapping), the face enhancers by enhance_model, and the models required
before any work."""
from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from tests.standin_models import (
    COLORIZER_A_GAIN,
    COLORIZER_B,
    UPSCALER_BLUR,
    UPSCALER_GAIN,
    UPSCALER_OFFSET,
    build_round_trip_enhancer,
    build_upscaler,
    write_standins,
)
from workers.choices import EnhanceModel
from workers.errors import ModelUnavailable, PipelineError
from workers.faces.analyser import FaceAnalyser
from workers.faces.enhancers import ENHANCERS
from workers.imaging.colorizer import Colorizer
from workers.imaging.upscaler import MARGIN, FrameUpscaler
from workers.model_zoo.registry import ModelRegistry
from workers.options import options_parse
from workers.pipelines.options import RestoreOptions, restore_output_check
from workers.pipelines.restore import restore_image

CPU = ["CPUExecutionProvider"]
ENHANCE_STANDINS = ["gfpgan_1.4", "codeformer", "gpen_bfr_256", "gpen_bfr_512", "gpen_bfr_1024",
                    "restoreformer_plus_plus"]


@pytest.fixture(scope="module")
def restore_models(tmp_path_factory, testdata: Path) -> ModelRegistry:
    folder = tmp_path_factory.mktemp("restore_models")
    write_standins(folder, names=[*ENHANCE_STANDINS, "real_esrgan_x2", "real_esrgan_x4", "ddcolor"])
    shutil.copyfile(testdata / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    return ModelRegistry(folder, providers="cpu")


def _session(scale: int, tmp_path: Path) -> ort.InferenceSession:
    path = tmp_path / f"x{scale}.onnx"
    path.write_bytes(build_upscaler(scale).SerializeToString())
    return ort.InferenceSession(str(path), providers=CPU)


def _textured(height: int, width: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def _whole(session, image: np.ndarray, margin: int) -> np.ndarray:
    """The stand-in run once on the whole mirrored photo: what a seamless tiling must give."""
    padded = cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_REFLECT_101)
    blob = np.ascontiguousarray(padded[:, :, ::-1].transpose(2, 0, 1)[None], np.float32) / 255
    out = np.rint(np.clip(session.run(None, {"input": blob})[0][0].transpose(1, 2, 0), 0, 1) * 255).astype(np.uint8)
    scale = out.shape[0] // padded.shape[0]
    return out[margin * scale:-margin * scale, margin * scale:-margin * scale, ::-1]


@pytest.mark.parametrize(("scale", "tile", "margin"), [(2, 256, MARGIN), (4, 256, MARGIN), (2, 40, 3)])
def test_tiled_upscale_is_seamless(scale, tile, margin, tmp_path):
    """Every tile's core, cut from a tile that carried ``margin`` px of its neighbours, equals the
    whole-photo result exactly (the stand-in looks one pixel around), across many tile borders
    and a photo whose sides are no multiple of the tile."""
    session = _session(scale, tmp_path)
    image = _textured(301, 517)
    ours = FrameUpscaler(session, scale, tile=tile, margin=margin).upscale(image)
    assert ours.shape == (301 * scale, 517 * scale, 3)
    np.testing.assert_array_equal(ours, _whole(session, image, margin))


def test_tiles_without_a_margin_would_show_seams(tmp_path):
    """The check above can see a seam: with no margin each tile's edge is blurred with the
    model's zero padding and differs from the whole-photo result along the tile borders."""
    session = _session(2, tmp_path)
    image = _textured(120, 120)
    seamy = FrameUpscaler(session, 2, tile=40, margin=0).upscale(image)
    differs = np.abs(seamy.astype(int) - _whole(session, image, 1).astype(int)).sum(axis=2) > 0
    # along x = 40 px (80 out) it differs; inside a tile (away from every border) it does not
    assert differs[:, 78:82].mean() > 0.5 and not differs[20:60, 20:60].any()


def test_upscaled_pixels_are_what_the_model_says(tmp_path):
    session = _session(4, tmp_path)
    image = _textured(70, 90)
    ours = FrameUpscaler(session, 4).upscale(image)
    padded = cv2.copyMakeBorder(image, 1, 1, 1, 1, cv2.BORDER_REFLECT_101).astype(np.float32) / 255
    blurred = cv2.filter2D(padded, -1, UPSCALER_BLUR)[1:-1, 1:-1]
    expected = np.rint(np.clip(np.repeat(np.repeat(blurred, 4, 0), 4, 1) * UPSCALER_GAIN + UPSCALER_OFFSET, 0, 1) * 255)
    assert np.abs(ours.astype(int) - expected.astype(int)).max() <= 1


def test_colorize_turns_a_grey_photo_to_the_models_colour(restore_models, images_dir):
    """The stand-in's colour: a = 40 x grey, b = -20 (Lab); the photo's own lightness is kept."""
    grey = cv2.cvtColor(cv2.cvtColor(cv2.imread(str(images_dir / "newton.png")), cv2.COLOR_BGR2GRAY),
                        cv2.COLOR_GRAY2BGR)
    coloured = Colorizer(restore_models.session("ddcolor")).colorize(grey)
    lab = cv2.cvtColor(coloured.astype(np.float32) / 255, cv2.COLOR_BGR2LAB)
    grey_lab = cv2.cvtColor(grey.astype(np.float32) / 255, cv2.COLOR_BGR2LAB)
    assert np.abs(coloured.astype(int)[:, :, 0] - coloured.astype(int)[:, :, 2]).mean() > 10  # colour now
    middle = (grey_lab[:, :, 0] > 30) & (grey_lab[:, :, 0] < 70)  # well inside the gamut for this colour
    expected_a = cv2.resize(cv2.resize(grey[:, :, 0], (256, 256)), grey.shape[1::-1]) / 255 * COLORIZER_A_GAIN
    assert abs(float(np.median(lab[:, :, 2][middle])) - COLORIZER_B) < 2
    assert np.median(np.abs(lab[:, :, 1] - expected_a)[middle]) < 3
    assert np.abs(lab[:, :, 0] - grey_lab[:, :, 0])[middle].mean() < 1.5  # lightness kept


@pytest.mark.parametrize("upscale", ["2", "4"])
def test_restore_upscales_the_whole_photo_and_restores_its_faces(restore_models, images_dir, upscale):
    image = cv2.imread(str(images_dir / "obama.jpg"))
    factor = int(upscale)
    result = restore_image(restore_models, image, {"mode": "restore", "upscale": upscale,
                                                   "enhance_model": "gpen_bfr_512"})
    assert result.image.shape == (image.shape[0] * factor, image.shape[1] * factor, 3) and result.faces_restored == 1
    upscaled = FrameUpscaler(restore_models.session(f"real_esrgan_x{factor}"), factor).upscale(image)
    face = FaceAnalyser(restore_models).analyse(upscaled, embed=False)[0]
    x1, y1, x2, y2 = face.pixel_box(upscaled.shape)
    outside = np.ones(upscaled.shape[:2], bool)
    outside[y1:y2, x1:x2] = False
    np.testing.assert_array_equal(result.image[outside], upscaled[outside])  # outside the face: the upscaler's
    assert np.abs(result.image[y1:y2, x1:x2].astype(int) - upscaled[y1:y2, x1:x2].astype(int)).mean() > 1


@pytest.mark.parametrize("model", list(EnhanceModel))
def test_face_enhance_uses_the_chosen_enhancer(restore_models, images_dir, model):
    image = cv2.imread(str(images_dir / "obama.jpg"))
    result = restore_image(restore_models, image, {"mode": "face_enhance", "enhance_model": model.value})
    assert result.faces_restored == 1 and result.image.shape == image.shape
    assert np.abs(result.image.astype(int) - image.astype(int)).mean() > 0.05
    others = [restore_image(restore_models, image, {"mode": "face_enhance", "enhance_model": other.value}).image
              for other in (EnhanceModel.GFPGAN_1_4, EnhanceModel.GPEN_BFR_256) if other is not model]
    assert all(np.abs(result.image.astype(int) - other.astype(int)).sum() > 0 for other in others)


def test_a_missing_model_is_named_before_any_work(tmp_path, testdata, images_dir):
    write_standins(tmp_path, names=["gfpgan_1.4", "real_esrgan_x2"])
    shutil.copyfile(testdata / "models" / "det_500m.onnx", tmp_path / "det_10g.onnx")
    models = ModelRegistry(tmp_path, providers="cpu")
    image = cv2.imread(str(images_dir / "obama.jpg"))
    for options, missing in (({"mode": "restore", "upscale": "4"}, "real_esrgan_x4"),
                             ({"mode": "restore", "colorize": True}, "ddcolor"),
                             ({"mode": "face_enhance", "enhance_model": "codeformer"}, "codeformer")):
        with pytest.raises(ModelUnavailable, match=missing):
            restore_image(models, image, options)


def test_the_output_cap_is_a_400_naming_upscale():
    options = RestoreOptions(mode="restore", upscale="4")
    restore_output_check(pixels=1000 * 1000, options=options, max_pixels=16_000_000)
    with pytest.raises(PipelineError, match="upscale=4 would make a 16.0-megapixel image"):
        restore_output_check(pixels=1000 * 1000, options=options, max_pixels=15_000_000)
    # The classical cleanup and face_enhance keep their own bounds (unchanged behaviour).
    restore_output_check(pixels=40_000_000, options=RestoreOptions(mode="restore"), max_pixels=1)
    restore_output_check(pixels=40_000_000, options=RestoreOptions(mode="face_enhance"), max_pixels=1)


def test_upscale_1_cleans_at_the_photos_size_and_auto_as_before(restore_models):
    small = _textured(120, 160)
    assert restore_image(restore_models, small, {"mode": "restore", "upscale": "1"}).image.shape == (120, 160, 3)
    assert restore_image(restore_models, small, {"mode": "restore"}).image.shape == (240, 320, 3)  # auto: today's 2x
    with pytest.raises(PipelineError, match="mode=restore only"):
        options_parse(RestoreOptions, mode="face_enhance", upscale="1")


def test_the_enhance_round_trip_itself_loses_little(restore_models, images_dir):
    """With an enhancer that answers its crop unchanged (the round-trip stand-in), what is left is
    the pipeline's own loss: align, normalise, denormalise, paste back, as PSNR inside the face
    box against the untouched photo. On obama.jpg (a 232 px face) we measured 38.0 dB for the 512
    px enhancers, 34.7 for GPEN 256 and 43.4 for GPEN 1024: the crop's resampling, so a larger
    crop loses less."""
    image = cv2.imread(str(images_dir / "obama.jpg"))
    face = FaceAnalyser(restore_models).analyse(image, embed=False)[0]
    x1, y1, x2, y2 = face.pixel_box(image.shape)
    psnr = {}
    for model in EnhanceModel:
        size = {EnhanceModel.GPEN_BFR_256: 256, EnhanceModel.GPEN_BFR_1024: 1024}.get(model, 512)
        standin = build_round_trip_enhancer(size, weight=model is EnhanceModel.CODEFORMER)
        enhancer = ENHANCERS[model](ort.InferenceSession(standin.SerializeToString(), providers=CPU), 0.5)
        result = image.copy()
        enhancer.enhance(result, face)
        error = np.mean((result[y1:y2, x1:x2].astype(float) - image[y1:y2, x1:x2].astype(float)) ** 2)
        psnr[model] = 10 * np.log10(255 ** 2 / error)
    assert min(psnr.values()) > 33, psnr
    assert psnr[EnhanceModel.GPEN_BFR_256] < psnr[EnhanceModel.GPEN_BFR_512] < psnr[EnhanceModel.GPEN_BFR_1024]
    same_crop = {round(psnr[model], 6) for model in EnhanceModel if model not in (EnhanceModel.GPEN_BFR_256,
                                                                                 EnhanceModel.GPEN_BFR_1024)}
    assert len(same_crop) == 1  # the four 512 px FFHQ enhancers share one crop and one paste
