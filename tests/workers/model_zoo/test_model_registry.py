"""The registry loads each model once per process, on the configured providers."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tests.standin_models import SCRFD_OUTPUT_NAMES, write_standins
from workers.errors import ModelUnavailable, ProviderUnavailable
from workers.model_zoo.manifest import installed_state
from workers.model_zoo.registry import SESSION_CACHE, ModelRegistry, parse_providers

HAS_GPU = "CUDAExecutionProvider" in ort.get_available_providers()


def test_parse_providers_from_settings():
    assert parse_providers("tensorrt, cuda ,cpu") == [
        "TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert parse_providers(["CPUExecutionProvider", "cpu"]) == ["CPUExecutionProvider"]
    with pytest.raises(ValueError, match="unknown execution provider"):
        parse_providers("quantum")


def test_cpu_worker_loads_models_and_logs_the_provider(standin_models_dir: Path, caplog):
    registry = ModelRegistry(standin_models_dir, providers="cpu")
    with caplog.at_level(logging.INFO, logger="workers.model_zoo.registry"):
        session = registry.session("w600k_r50")
    assert session.get_providers() == ["CPUExecutionProvider"]
    assert registry.chosen_provider("w600k_r50") == "CPUExecutionProvider"
    assert "w600k_r50 loaded" in caplog.text and "CPUExecutionProvider" in caplog.text
    assert "TEST STAND-IN" in caplog.text


def test_one_session_per_model_per_process(standin_models_dir: Path):
    first = ModelRegistry(standin_models_dir, providers="cpu").session("inswapper_128")
    second = ModelRegistry(standin_models_dir, providers=["cpu"]).session("inswapper_128")
    assert first is second


@pytest.mark.skipif(HAS_GPU, reason="this machine has CUDA; the fallback can't be provoked")
def test_gpu_worker_without_a_gpu_raises_instead_of_using_cpu(standin_models_dir: Path):
    registry = ModelRegistry(standin_models_dir, providers="cuda,cpu")
    with pytest.raises(ProviderUnavailable, match="CUDAExecutionProvider"):
        registry.session("w600k_r50")
    relaxed = ModelRegistry(standin_models_dir, providers="cuda,cpu", allow_cpu_fallback=True)
    assert relaxed.chosen_provider("w600k_r50") == "CPUExecutionProvider"


@pytest.mark.skipif(not HAS_GPU, reason="needs onnxruntime-gpu with CUDA")
def test_gpu_worker_runs_on_cuda(standin_models_dir: Path):
    registry = ModelRegistry(standin_models_dir, providers="cuda,cpu")
    assert registry.chosen_provider("w600k_r50") == "CUDAExecutionProvider"


def test_missing_model_names_the_install_command(tmp_path: Path):
    registry = ModelRegistry(tmp_path, providers="cpu")
    with pytest.raises(ModelUnavailable) as raised:
        registry.session("inswapper_128")
    assert raised.value.model_name == "inswapper_128"
    assert raised.value.install_command == "python manage.py download_models --only inswapper_128"
    assert raised.value.install_command in raised.value.user_message
    assert registry.missing() == registry.manifest.names


def test_corrupt_model_file_is_unavailable_not_a_crash(tmp_path: Path):
    (tmp_path / "w600k_r50.onnx").write_bytes(b"not an onnx file")
    with pytest.raises(ModelUnavailable, match="could not be loaded"):
        ModelRegistry(tmp_path, providers="cpu").session("w600k_r50")


def test_standins_carry_the_real_signatures(standin_models_dir: Path):
    registry = ModelRegistry(standin_models_dir, providers="cpu")

    detector = registry.session("det_10g")  # the real SCRFD-500MF when test data is present
    assert [i.name for i in detector.get_inputs()] == ["input.1"]
    outputs = detector.run(None, {"input.1": np.zeros((1, 3, 640, 640), np.float32)})
    assert [o.shape for o in outputs] == [
        (12800, 1), (3200, 1), (800, 1), (12800, 4), (3200, 4), (800, 4),
        (12800, 10), (3200, 10), (800, 10)]

    arcface = registry.session("w600k_r50")
    (embedding,) = arcface.run(None, {"input.1": np.ones((1, 3, 112, 112), np.float32)})
    assert arcface.get_outputs()[0].name == "683" and embedding.shape == (1, 512)

    swapper = registry.session("inswapper_128")
    assert [i.name for i in swapper.get_inputs()] == ["target", "source"]
    (swapped,) = swapper.run(None, {"target": np.zeros((1, 3, 128, 128), np.float32),
                                    "source": np.ones((1, 512), np.float32)})
    assert swapped.shape == (1, 3, 128, 128) and 0 <= swapped.min() <= swapped.max() <= 1
    emap = onnx.load(str(registry.model_path("inswapper_128"))).graph.initializer[-1]
    assert emap.name == "emap" and list(emap.dims) == [512, 512]

    restorer = registry.session("gfpgan_1.4")
    (restored,) = restorer.run(None, {"input": np.zeros((1, 3, 512, 512), np.float32)})
    assert restorer.get_outputs()[0].name == "output" and restored.shape == (1, 3, 512, 512)

    rife = registry.session("rife_4.9")
    frames = {"img0": np.zeros((1, 3, 64, 96), np.float32),
              "img1": np.ones((1, 3, 64, 96), np.float32),
              "timestep": np.array([0.25], np.float32)}
    (middle,) = rife.run(None, frames)
    assert middle.shape == (1, 3, 64, 96) and np.allclose(middle, 0.25)


def test_standin_detector_matches_the_real_detector_layout(testdata: Path, tmp_path: Path):
    real = ort.InferenceSession(str(testdata / "models" / "det_500m.onnx"),
                                providers=["CPUExecutionProvider"])
    standin = ort.InferenceSession(str(write_standins(tmp_path, ["det_10g"])["det_10g"]),
                                   providers=["CPUExecutionProvider"])
    image = {"input.1": np.random.default_rng(0).random((1, 3, 320, 480), np.float32)}
    real_shapes = [o.shape for o in real.run(None, image)]
    assert [o.shape for o in standin.run(None, image)] == real_shapes
    assert [o.name for o in standin.get_outputs()] == list(SCRFD_OUTPUT_NAMES)
    assert len(real.get_outputs()) == len(SCRFD_OUTPUT_NAMES)


def test_standins_are_marked_and_listed_as_such(tmp_path: Path):
    write_standins(tmp_path)
    registry = ModelRegistry(tmp_path, providers="cpu")
    for entry in registry.manifest.entries:
        assert registry.is_standin(entry.name)
        assert installed_state(entry, tmp_path).state == "test stand-in"
        model = onnx.load(str(entry.path_in(tmp_path)))
        assert "TEST STAND-IN" in model.doc_string


def test_standin_cli_writes_real_file_names(tmp_path: Path):
    from tests.standin_models import main

    assert main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["det_10g.onnx", "w600k_r50.onnx", "inswapper_128.onnx", "GFPGANv1.4.onnx", "rife49.onnx",
         "xseg_1.onnx", "bisenet_resnet_34.onnx", "nsfw_vit_base_384.onnx", "hyperswap_1a_256.onnx",
         "hyperswap_1b_256.onnx", "hyperswap_1c_256.onnx",
         "ghost_1_256.onnx", "ghost_2_256.onnx", "ghost_3_256.onnx", "simswap_256.onnx",
         "crossface_ghost.onnx", "crossface_simswap.onnx",
         # issue 22's enhancers, upscalers and colouriser
         "codeformer.onnx", "gpen_bfr_256.onnx", "gpen_bfr_512.onnx", "gpen_bfr_1024.onnx",
         "restoreformer_plus_plus.onnx", "real_esrgan_x2.onnx", "real_esrgan_x4.onnx", "ddcolor.onnx"])


def teardown_module() -> None:
    SESSION_CACHE.clear()
