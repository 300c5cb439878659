"""Benchmark the invisible watermark: bit accuracy after re-encoding, and its cost in the video swap.

    python -m bench.bench_watermark [--clips liveportrait_d0 liveportrait_d18 ...] [--rounds 2]

For each test clip, in this one process:
  * video swap frames/s: workers.pipelines.faceswap.run on the clip (its own size, H.264 + audio)
    without marks and with the job's OutputMarker (watermark on every frame, in the writer's
    encode thread), alternating, `--rounds` times each; the ratio is the cost;
  * bit accuracy: the marked output re-encoded with H.264 CRF 28 (ffmpeg), and each marked
    output frame re-encoded as JPEG quality 80, every frame read back; reports the share of
    frames with >= 95% of the 64 payload bits right (goal: >= 90% of frames).

Models: the real SCRFD-500MF detector from the test data and the stand-in ArcFace/inswapper
(tests.standin_models; no real weights here), so the swap itself is lighter than with real
inswapper weights, which makes the measured overhead an upper bound. Writes
bench/results/watermark.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
TESTDATA = Path(os.environ.get("ISAMURAI_TESTDATA", REPO_ROOT.parent / "shared" / "testdata"))

from tests.standin_models import write_standins  # noqa: E402
from workers.model_zoo.registry import ModelRegistry  # noqa: E402
from workers.pipelines import faceswap  # noqa: E402
from workers.pipelines.context import PipelineContext  # noqa: E402
from workers.provenance.c2pa_signing import (  # noqa: E402
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    ManifestSigner,
    SigningCredentials,
)
from workers.provenance.marking import OutputMarker  # noqa: E402
from workers.provenance.payload import WatermarkPayload  # noqa: E402
from workers.provenance.watermark import DwtDctWatermark  # noqa: E402
from workers.video.reader import VideoFrameReader  # noqa: E402

DEFAULT_CLIPS = ["liveportrait_d0", "liveportrait_d18", "liveportrait_d19"]


def _swap(models, clip: Path, workdir: Path, marker: OutputMarker | None) -> tuple[Path, float, int]:
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = PipelineContext(inputs={"source": TESTDATA / "images" / "obama.jpg", "target": clip},
                          options={"gquality": "1080p", "media_type": "video"}, output_dir=workdir,
                          models=models, marker=marker)
    started = time.perf_counter()
    output = faceswap.run(ctx)
    seconds = time.perf_counter() - started
    frames = int(cv2.VideoCapture(str(output)).get(cv2.CAP_PROP_FRAME_COUNT))
    return output, seconds, frames


def _accuracies(frames, bits: np.ndarray, transform) -> list[float]:
    watermark = DwtDctWatermark()
    return [float(np.mean(watermark.read(transform(frame)).bits == bits)) for frame in frames]


def _jpeg80(frame: np.ndarray) -> np.ndarray:
    return cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])[1], cv2.IMREAD_COLOR)


def measure_clip(models, signer, clip: Path, workdir: Path, rounds: int) -> dict:
    payload = WatermarkPayload.for_job(server_id="bench", job_id=uuid.uuid4())
    marker = OutputMarker(payload=payload, signer=signer, digital_source_type=COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
                          description="face swap", watermark=DwtDctWatermark())
    _swap(models, clip, workdir / "warm", None)  # model sessions and caches warm
    plain_fps, marked_fps = [], []
    marked_output = None
    for round_number in range(rounds):
        for name, current in (("plain", None), ("marked", marker)) if round_number % 2 == 0 else (
                ("marked", marker), ("plain", None)):
            output, seconds, frames = _swap(models, clip, workdir / f"{name}{round_number}", current)
            (marked_fps if current else plain_fps).append(frames / seconds)
            if current:
                marked_output = output
    reencoded = workdir / "crf28.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(marked_output), "-c:v", "libx264", "-crf", "28",
                    str(reencoded)], check=True)
    bits = payload.to_bits()
    with VideoFrameReader(reencoded) as reader:
        h264 = _accuracies(list(reader), bits, lambda frame: frame)
    with VideoFrameReader(marked_output) as reader:
        jpeg = _accuracies(list(reader), bits, _jpeg80)
    plain, marked = float(np.median(plain_fps)), float(np.median(marked_fps))
    return {
        "clip": clip.name, "frames": len(h264),
        "fps_plain": round(plain, 2), "fps_marked": round(marked, 2), "slowdown": round(1 - marked / plain, 3),
        "h264_crf28_mean_bit_accuracy": round(float(np.mean(h264)), 4),
        "h264_crf28_frames_ge_95pct": round(float(np.mean(np.array(h264) >= 0.95)), 4),
        "jpeg80_mean_bit_accuracy": round(float(np.mean(jpeg)), 4),
        "jpeg80_frames_ge_95pct": round(float(np.mean(np.array(jpeg) >= 0.95)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", nargs="+", default=DEFAULT_CLIPS)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_watermark_") as temp:
        temp = Path(temp)
        write_standins(temp / "models", names=["w600k_r50", "inswapper_128"])
        shutil.copyfile(TESTDATA / "models" / "det_500m.onnx", temp / "models" / "det_10g.onnx")
        models = ModelRegistry(temp / "models", providers=os.environ.get("ISAMURAI_ORT_PROVIDERS", "cpu"))
        signer = ManifestSigner(SigningCredentials.load(cert_path=None, key_path=None, generated_dir=temp / "c2pa"))
        results = [measure_clip(models, signer, TESTDATA / "videos" / f"{name}.mp4", temp / name, arguments.rounds)
                   for name in arguments.clips]
    for row in results:
        print(json.dumps(row))
    summary = {"machine": platform.platform(), "cpus": os.cpu_count(), "clips": results,
               "max_slowdown": max(row["slowdown"] for row in results),
               "min_h264_frames_ge_95pct": min(row["h264_crf28_frames_ge_95pct"] for row in results),
               "min_jpeg80_frames_ge_95pct": min(row["jpeg80_frames_ge_95pct"] for row in results)}
    print(json.dumps({key: value for key, value in summary.items() if key != "clips"}))
    out = REPO_ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "watermark.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
