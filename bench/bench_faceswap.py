"""Benchmark the face swap job against InsightFace's reference loop, same models, same run.

    python -m bench.bench_faceswap [--seconds 4] [--source CLIP]

Builds, in a temporary folder: a 1280x720 clip with AAC audio (a test clip scaled and padded
with ffmpeg) and a model pack with the real SCRFD-500MF detector as det_10g plus the stand-in
ArcFace and inswapper (tests.standin_models; no real ArcFace/inswapper weights are available
here, so the swap network is tiny and the numbers weigh detection, alignment, paste-back and
video I/O more than a real inswapper run would). Then measures, in this one process:

  * ours: workers.pipelines.faceswap.run on the clip (720p out, H.264 + audio, reference mode),
  * reference: cv2.VideoCapture -> FaceAnalysis.get -> INSwapper.get(paste_back=True) ->
    cv2.VideoWriter (mp4v, no audio), with the same model files,
  * preview: seconds per swap_image on one 720p frame (warm, source analysis included).

Needs `pip install --no-deps insightface` (+ tqdm, scikit-image) for the reference only; our
code never imports it. Prints a summary and writes bench/results/faceswap.json.
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
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTDATA = Path(os.environ.get("ISAMURAI_TESTDATA", REPO_ROOT.parent / "shared" / "testdata"))
DEFAULT_SOURCE = TESTDATA / "videos" / "liveportrait_d18.mp4"
SOURCE_FACE = TESTDATA / "images" / "obama.jpg"
DETECTOR = TESTDATA / "models" / "det_500m.onnx"


def make_720p_clip(source: Path, seconds: float, destination: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(source), "-t", str(seconds),
         "-vf", "scale=-2:720,pad=1280:720:(ow-iw)/2:0,setsar=1", "-c:v", "libx264",
         "-preset", "ultrafast", "-crf", "18", "-c:a", "aac", str(destination)],
        check=True,
    )
    return destination


def make_model_pack(folder: Path) -> tuple[Path, Path]:
    """(our models dir, InsightFace model-pack folder) holding the same files."""
    sys.path.insert(0, str(REPO_ROOT))
    from tests.standin_models import write_standins

    ours = folder / "ours"
    write_standins(ours, names=["w600k_r50", "inswapper_128"])
    shutil.copyfile(DETECTOR, ours / "det_10g.onnx")
    pack = folder / "insightface_pack"
    pack.mkdir(parents=True)
    for name in ("det_10g.onnx", "w600k_r50.onnx"):
        shutil.copyfile(ours / name, pack / name)
    return ours, pack


def bench_ours(models_dir: Path, clip: Path, source: Path, output_dir: Path) -> dict:
    from workers.model_zoo.registry import ModelRegistry
    from workers.pipelines import faceswap
    from workers.pipelines.context import PipelineContext
    from workers.video.probe import MediaProbe

    models = ModelRegistry(models_dir, providers="cpu")
    for name in ("det_10g", "w600k_r50", "inswapper_128"):
        models.session(name)  # load outside the timing, as a warm worker has them loaded
    frames = MediaProbe().probe(clip).frame_count
    ctx = PipelineContext(inputs={"target": clip, "source": source},
                          options={"gquality": "720p", "media_type": "video", "enhance": False},
                          output_dir=output_dir, models=models)
    started = time.perf_counter()
    output = faceswap.run(ctx).output
    seconds = time.perf_counter() - started
    return {"frames": frames, "seconds": round(seconds, 3), "fps": round(frames / seconds, 2),
            "output": output.name, "encoder": "libx264 veryfast crf 20 + audio copy"}


def bench_preview(models_dir: Path, clip: Path, source: Path, repeats: int = 5) -> dict:
    import cv2

    from workers.model_zoo.registry import ModelRegistry
    from workers.pipelines.faceswap import swap_image
    from workers.video.reader import VideoFrameReader

    models = ModelRegistry(models_dir, providers="cpu")
    with VideoFrameReader(clip) as reader:
        frame = next(iter(reader)).copy()
    source_image = cv2.imread(str(source))
    swap_image(models, target=frame, sources=source_image)  # warm-up
    started = time.perf_counter()
    for _ in range(repeats):
        swap_image(models, target=frame, sources=source_image)
    seconds = (time.perf_counter() - started) / repeats
    return {"frame": f"{frame.shape[1]}x{frame.shape[0]}", "seconds_per_preview": round(seconds, 4),
            "repeats": repeats}


def bench_reference(pack: Path, swapper_path: Path, clip: Path, source: Path, output: Path) -> dict:
    import cv2

    try:
        from insightface.app import FaceAnalysis
        from insightface.model_zoo import get_model
    except ImportError as exc:
        return {"error": f"insightface is not importable ({exc}); pip install --no-deps insightface "
                         "tqdm scikit-image"}
    # An absolute folder as the pack name: FaceAnalysis then loads it as is (no download).
    app = FaceAnalysis(name=str(pack), allowed_modules=["detection", "recognition"],
                       providers=["CPUExecutionProvider"])
    app.prepare(ctx_id=-1, det_size=(640, 640))
    swapper = get_model(str(swapper_path), providers=["CPUExecutionProvider"])
    source_faces = app.get(cv2.imread(str(source)))
    source_face = max(source_faces, key=lambda f: (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]))
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS)
    width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    writer = cv2.VideoWriter(str(output), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    frames = 0
    started = time.perf_counter()
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        for face in app.get(frame):
            frame = swapper.get(frame, face, source_face, paste_back=True)
        writer.write(frame)
        frames += 1
    writer.release()
    capture.release()
    seconds = time.perf_counter() - started
    return {"frames": frames, "seconds": round(seconds, 3), "fps": round(frames / seconds, 2),
            "encoder": "cv2 mp4v, no audio", "swaps": "every detected face"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "results" / "faceswap.json")
    arguments = parser.parse_args(argv)
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)  # skimage deprecations in insightface

    with tempfile.TemporaryDirectory(prefix="bench_faceswap_") as temporary:
        folder = Path(temporary)
        clip = make_720p_clip(arguments.source, arguments.seconds, folder / "clip_720p.mp4")
        ours_dir, insightface_pack = make_model_pack(folder / "models")
        ours = bench_ours(ours_dir, clip, SOURCE_FACE, folder / "out")
        reference = bench_reference(insightface_pack, ours_dir / "inswapper_128.onnx", clip,
                                    SOURCE_FACE, folder / "reference.mp4")
        preview = bench_preview(ours_dir, clip, SOURCE_FACE)

    ratio = round(ours["fps"] / reference["fps"], 2) if "fps" in reference else None
    results = {
        "clip": f"{arguments.source.name} scaled+padded to 1280x720, {arguments.seconds:g} s",
        "models": "det_10g = real SCRFD-500MF (det_500m); w600k_r50 + inswapper_128 = stand-ins",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "ours": ours, "insightface_reference": reference, "speedup_fps_ratio": ratio,
        "preview": preview,
    }
    print(f"ours:      {ours['frames']} frames in {ours['seconds']} s = {ours['fps']} frames/s "
          f"(H.264 + audio)")
    if "fps" in reference:
        print(f"reference: {reference['frames']} frames in {reference['seconds']} s = "
              f"{reference['fps']} frames/s (mp4v, no audio)")
        print(f"ratio ours/reference: {ratio}x")
    else:
        print(f"reference: not measured: {reference['error']}")
    print(f"preview:   {preview['seconds_per_preview']} s per swap_image on a {preview['frame']} frame")
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
