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
    folder = testdata / "videos"
    if not folder.is_dir():
        pytest.skip(f"no videos folder in {testdata}")
    return folder


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
def standin_models_dir(tmp_path_factory: pytest.TempPathFactory, testdata_or_none) -> Path:
    """Stand-ins for every model; the real SCRFD-500MF detector replaces det_10g when present."""
    folder = tmp_path_factory.mktemp("models")
    write_standins(folder)
    if testdata_or_none is not None:
        real_detector = testdata_or_none / "models" / "det_500m.onnx"
        if real_detector.is_file():
            shutil.copyfile(real_detector, folder / "det_10g.onnx")
    return folder


@pytest.fixture(scope="session")
def testdata_or_none(request: pytest.FixtureRequest) -> Path | None:
    try:
        return request.getfixturevalue("testdata")
    except pytest.skip.Exception:
        return None
