"""The slow-motion pipeline end to end on short cuts of the test clips (ffmpeg, tmp dirs)."""
from __future__ import annotations

import subprocess
from dataclasses import asdict
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests.standin_models import write_standins
from workers.model_zoo.registry import ModelRegistry
from workers.pipelines.context import JobCancelled, PipelineContext, PipelineError
from workers.pipelines.slowmotion import SlowMotionPlan, run
from workers.video.probe import MediaProbe
from workers.video.reader import VideoFrameReader

from ..conftest import run_ffmpeg

probe = MediaProbe()


def stream_duration(path: Path, kind: str) -> float:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", f"{kind}:0", "-show_entries",
         "stream=duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True)
    return float(result.stdout.strip())


def cut(source: Path, destination: Path, seconds: float, size: int = 240,
        start: float = 0.0) -> Path:
    """A short, small re-encoded piece of a clip (audio kept when there is some)."""
    run_ffmpeg("-ss", str(start), "-i", str(source), "-t", str(seconds),
               "-vf", f"scale={size}:{size},setsar=1", "-c:v", "libx264", "-preset", "ultrafast",
               "-crf", "18", "-c:a", "aac", str(destination))
    return destination


@pytest.fixture(scope="module")
def clips(videos_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("slowmo_clips")
    talking = cut(videos_dir / "liveportrait_d18.mp4", folder / "talking.mp4", 1.0)
    silent = cut(videos_dir / "liveportrait_d0.mp4", folder / "silent.mp4", 0.8)
    first = cut(videos_dir / "liveportrait_d18.mp4", folder / "first.mp4", 0.5, start=1.0)
    second = cut(videos_dir / "liveportrait_d19.mp4", folder / "second.mp4", 0.5, start=1.0)
    joined = folder / "joined.mp4"
    run_ffmpeg("-i", str(first), "-i", str(second), "-filter_complex",
               "[0:v][0:a][1:v][1:a]concat=n=2:v=1:a=1[v][a]", "-map", "[v]", "-map", "[a]",
               "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-c:a", "aac", str(joined))
    return {"talking": talking, "silent": silent, "first": first, "joined": joined}


def job(source: Path, output_dir: Path, limits: dict | None = None, models=None,
        **options) -> tuple[Path, dict, list[float]]:
    progress: list[float] = []
    ctx = PipelineContext(
        inputs={"source": source},
        options={"slowdown_factor": 2, "mode": "slowmo", "quality": "480p", "interpolator": "flow",
                 **options},
        output_dir=output_dir, report_progress=progress.append, models=models,
        limits=limits or {})
    result = run(ctx)
    return result.output, asdict(result.report), progress


def test_slowmo_makes_n_times_the_frames_at_the_same_rate_with_slowed_audio(
        clips: dict[str, Path], tmp_path: Path):
    source = probe.probe(clips["talking"])
    output, report, progress = job(clips["talking"], tmp_path, slowdown_factor=4, mode="slowmo")
    result = probe.probe(output)
    frames = (source.frame_count - 1) * 4 + 1
    assert result.frame_count == report["frames_out"] == frames
    assert result.frame_rate == source.frame_rate == Fraction(report["output_fps"])
    assert result.duration_seconds == pytest.approx(frames / source.fps, abs=0.02)
    assert result.duration_seconds == pytest.approx(4 * source.duration_seconds, rel=0.05)
    assert result.has_audio
    # The audio is slowed 4x (atempo keeps the pitch) and ends with the picture.
    assert stream_duration(output, "a") == pytest.approx(stream_duration(output, "v"), abs=0.06)
    assert report == {**report, "interpolator": "flow", "fps_capped": False, "scene_cuts": 0}
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert output.parent == tmp_path and output.suffix == ".mp4"


def test_fps_mode_keeps_the_duration_at_n_times_the_rate(clips: dict[str, Path], tmp_path: Path):
    source = probe.probe(clips["silent"])  # 25 fps, no audio
    output, report, _ = job(clips["silent"], tmp_path, slowdown_factor=4, mode="fps")
    result = probe.probe(output)
    assert result.frame_count == report["frames_out"] == (source.frame_count - 1) * 4 + 1
    assert result.frame_rate == source.frame_rate * 4 == 100
    assert report["output_fps"] == 100.0 and not report["fps_capped"]
    assert result.duration_seconds == pytest.approx(source.duration_seconds, abs=1 / source.fps)
    assert not result.has_audio


def test_fps_mode_copies_the_audio(clips: dict[str, Path], tmp_path: Path):
    output, _, _ = job(clips["talking"], tmp_path, slowdown_factor=2, mode="fps")
    assert probe.probe(output).audio_streams[0].codec == "aac"
    assert stream_duration(output, "a") == pytest.approx(
        stream_duration(clips["talking"], "a"), abs=0.03)


def test_output_rate_is_capped_and_the_job_says_so(clips: dict[str, Path], tmp_path: Path):
    source = probe.probe(clips["talking"])  # 30 fps: 8x would be 240
    output, report, _ = job(clips["talking"], tmp_path, slowdown_factor=8, mode="fps",
                            limits={"max_output_fps": 60})
    result = probe.probe(output)
    assert report["fps_capped"] and report["output_fps"] == 60.0
    assert result.frame_rate == 60
    assert result.frame_count == (source.frame_count - 1) * 2 + 1
    assert result.duration_seconds == pytest.approx(source.duration_seconds, abs=1 / source.fps)


def test_plan_rates_and_audio_filters():
    slow = SlowMotionPlan.make(8, "slowmo", Fraction(30), 240)
    assert slow.output_rate == 30 and slow.step == Fraction(1, 8) and not slow.fps_capped
    assert slow.frames_out(11) == 81
    assert slow.audio_filter(10.0) == "atempo=0.5,atempo=0.5,atempo=0.500000,atrim=end=10.000000"
    fast = SlowMotionPlan.make(4, "fps", Fraction(30000, 1001), 240)
    assert fast.output_rate == Fraction(120000, 1001) and fast.audio_filter(1.0) is None
    capped = SlowMotionPlan.make(8, "fps", Fraction(60), 240)
    assert capped.output_rate == 240 and capped.fps_capped and capped.frames_out(3) == 9


def decoded(path: Path) -> list[np.ndarray]:
    with VideoFrameReader(path) as reader:
        return [frame.astype(np.float32) for frame in reader]


def test_no_blended_frame_at_a_scene_cut(clips: dict[str, Path], tmp_path: Path):
    first_frames = probe.probe(clips["first"]).frame_count
    output, report, _ = job(clips["joined"], tmp_path, slowdown_factor=4, mode="slowmo")
    assert report["scene_cuts"] == 1
    frames = decoded(output)
    join = (first_frames - 1) * 4  # output index of the first clip's last frame
    before, after = frames[join], frames[join + 4]
    assert np.abs(before - after).mean() > 10  # really two different shots
    for index in range(join + 1, join + 4):
        # Each new frame repeats one side of the cut (within the encoder's noise)...
        nearest = min(np.abs(frames[index] - before).mean(), np.abs(frames[index] - after).mean())
        assert nearest < 1.5, index
    # ...the earlier one up to the midpoint, then the later one.
    assert np.abs(frames[join + 2] - before).mean() < 1.5
    assert np.abs(frames[join + 3] - after).mean() < 1.5


def test_rife_path_runs_end_to_end_with_a_standin(clips: dict[str, Path], tmp_path: Path):
    models_dir = tmp_path / "models"
    write_standins(models_dir, ["rife_4.9"])
    registry = ModelRegistry(models_dir, providers="cpu")
    source = probe.probe(clips["silent"])
    output, report, _ = job(clips["silent"], tmp_path, models=registry, slowdown_factor=2,
                            mode="fps", interpolator="auto")
    assert report["interpolator"] == "rife"
    assert probe.probe(output).frame_count == (source.frame_count - 1) * 2 + 1


def test_asking_for_rife_without_weights_says_how_to_install(clips: dict[str, Path],
                                                             tmp_path: Path):
    from workers.errors import ModelUnavailable

    registry = ModelRegistry(tmp_path / "empty", providers="cpu")
    with pytest.raises(ModelUnavailable, match="download_models --only rife_4.9"):
        job(clips["silent"], tmp_path, models=registry, interpolator="rife")
    _, report, _ = job(clips["silent"], tmp_path, models=registry, interpolator="auto")
    assert report["interpolator"] == "flow"


def test_cancel_stops_between_frames_and_leaves_no_video(clips: dict[str, Path],
                                                          tmp_path: Path):
    calls = {"n": 0}

    def check_cancelled() -> None:
        calls["n"] += 1
        if calls["n"] > 5:
            raise JobCancelled("stopped")

    ctx = PipelineContext(inputs={"source": clips["talking"]},
                          options={"slowdown_factor": 2, "mode": "slowmo", "quality": "480p"},
                          output_dir=tmp_path, check_cancelled=check_cancelled)
    with pytest.raises(JobCancelled):
        run(ctx)
    assert not list(tmp_path.glob("*.mp4"))


@pytest.mark.parametrize("options, message", [
    ({"slowdown_factor": 3}, "'3' is not a valid slowdown_factor; use 2, 4 or 8"),
    ({"mode": "reverse"}, "'reverse' is not a valid mode; use slowmo or fps"),
    ({"quality": "4k"}, "'4k' is not a valid quality"),
    ({"interpolator": "magic"}, "'magic' is not a valid interpolator; use auto, rife or flow"),
])
def test_bad_options_are_refused_in_a_sentence(tmp_path: Path, options: dict, message: str):
    ctx = PipelineContext(inputs={"source": tmp_path / "missing.mp4"},
                          options={"slowdown_factor": 2, "mode": "slowmo", "quality": "480p", **options},
                          output_dir=tmp_path)
    with pytest.raises(PipelineError, match=message):
        run(ctx)
