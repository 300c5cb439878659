"""Fixtures for the media and model tests: real clips, derived clips, stand-in models."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.standin_models import write_standins


def run_ffmpeg(*arguments: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *arguments], check=True)


@pytest.fixture(scope="session")
def videos_dir(testdata: Path) -> Path:
    return testdata / "videos"


@pytest.fixture(scope="session")
def derived_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("derived_clips")


@pytest.fixture(scope="session")
def rotated_clip(videos_dir: Path, derived_dir: Path) -> Path:
    """two_faces_hstack (960x480) with display-rotation metadata of 90 degrees, no re-encode."""
    path = derived_dir / "rotated.mp4"
    run_ffmpeg("-i", str(videos_dir / "two_faces_hstack.mp4"), "-c", "copy",
               "-metadata:s:v:0", "rotate=90", str(path))
    return path


@pytest.fixture(scope="session")
def hd_clip(videos_dir: Path, derived_dir: Path) -> Path:
    """A 2 s 1280x720 clip with AAC audio, so 480p really downscales."""
    path = derived_dir / "hd.mp4"
    run_ffmpeg("-i", str(videos_dir / "two_faces_hstack.mp4"), "-t", "2",
               "-vf", "scale=1280:720,setsar=1", "-c:v", "libx264", "-preset", "ultrafast",
               "-c:a", "aac", str(path))
    return path


@pytest.fixture(scope="session")
def standin_models_dir(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Path:
    """Stand-ins for every model, with the real SCRFD-500MF detector as det_10g."""
    folder = tmp_path_factory.mktemp("models")
    write_standins(folder)
    shutil.copyfile(testdata / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    return folder


# -- face swap fixtures -----------------------------------------------------------------------------

FACE_CLIP_SECONDS = 1.5


def _source_sensitive_inswapper(path: Path) -> None:
    """The inswapper stand-in with its latent -> colour weights scaled up, so two sources shift
    the swapped face's colour by clearly different amounts (the plain stand-in shifts it by a
    few grey levels only)."""
    import onnx
    from onnx import numpy_helper

    from tests.standin_models import build_inswapper

    model = build_inswapper()
    for index, initializer in enumerate(model.graph.initializer):
        if initializer.name == "latent_w":
            weights = numpy_helper.to_array(initializer) * 25.0
            model.graph.initializer[index].CopyFrom(numpy_helper.from_array(weights, "latent_w"))
    onnx.save(model, str(path))


@pytest.fixture(scope="session")
def face_models_dir(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Path:
    """The real SCRFD-500MF detector as det_10g plus stand-in ArcFace / inswapper / GFPGAN."""
    detector = testdata / "models" / "det_500m.onnx"
    folder = tmp_path_factory.mktemp("face_models")
    paths = write_standins(folder, names=["w600k_r50", "inswapper_128", "gfpgan_1.4"])
    _source_sensitive_inswapper(paths["inswapper_128"])
    shutil.copyfile(detector, folder / "det_10g.onnx")
    return folder


@pytest.fixture(scope="session")
def face_models(face_models_dir: Path):
    from workers.model_zoo.registry import ModelRegistry

    return ModelRegistry(face_models_dir, providers="cpu")


@pytest.fixture(scope="session")
def images_dir(testdata: Path) -> Path:
    return testdata / "images"


@pytest.fixture(scope="session")
def read_image(images_dir: Path):
    import cv2

    def _read(name: str):
        image = cv2.imread(str(images_dir / name), cv2.IMREAD_COLOR)
        assert image is not None, name
        return image

    return _read


def cut_clip(source: Path, destination: Path, seconds: float = FACE_CLIP_SECONDS) -> Path:
    """The first ``seconds`` of ``source``, re-encoded so the cut is frame exact, audio kept."""
    run_ffmpeg("-i", str(source), "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
               "-crf", "18", "-c:a", "aac", str(destination))
    return destination


@pytest.fixture(scope="session")
def talking_head_clip(videos_dir: Path, derived_dir: Path) -> Path:
    return cut_clip(videos_dir / "liveportrait_d18.mp4", derived_dir / "talking_head.mp4")


@pytest.fixture(scope="session")
def two_faces_clip(videos_dir: Path, derived_dir: Path) -> Path:
    return cut_clip(videos_dir / "two_faces_hstack.mp4", derived_dir / "two_faces.mp4")
