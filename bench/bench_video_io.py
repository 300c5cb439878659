"""Benchmark the streaming video I/O: peak memory vs clip length, and frames per second.

    python -m bench.bench_video_io [--source CLIP] [--short 5] [--long 60]

Makes a short and a long 1280x720 clip (with AAC audio) from a test clip in a temporary
folder, then in a fresh child process for each measurement:
  * decodes + re-encodes the clip with VideoFrameReader -> VideoFrameWriter (H.264 + audio),
  * does the same with a plain cv2.VideoCapture -> cv2.VideoWriter loop (mp4v, no audio),
and reports peak RSS (the Python process; ffmpeg children separately) and frames/s.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path(os.environ.get("ISAMURAI_TESTDATA", REPO_ROOT.parent / "shared" / "testdata")
                      ) / "videos" / "liveportrait_d18.mp4"


def make_clip(source: Path, seconds: int, destination: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(source),
         "-t", str(seconds), "-vf", "scale=1280:720,setsar=1", "-c:v", "libx264",
         "-preset", "ultrafast", "-crf", "23", "-c:a", "aac", str(destination)],
        check=True,
    )
    return destination


def _peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def child_pipeline(clip: Path, output: Path, preset: str = "veryfast") -> dict:
    sys.path.insert(0, str(REPO_ROOT))
    from workers.video.probe import MediaProbe
    from workers.video.reader import VideoFrameReader
    from workers.video.writer import VideoFrameWriter

    info = MediaProbe().probe(clip)
    started = time.perf_counter()
    frames = 0
    with VideoFrameReader(clip, info=info) as reader:
        with VideoFrameWriter(output, width=info.width, height=info.height,
                              frame_rate=info.frame_rate, audio_source=info,
                              preset=preset) as writer:
            for frame in reader:
                writer.write(frame)
                frames += 1
    seconds = time.perf_counter() - started
    own, children = _peak_rss_mb()
    return {"frames": frames, "seconds": seconds, "fps": frames / seconds,
            "peak_rss_mb": own, "peak_child_rss_mb": children}


def child_opencv(clip: Path, output: Path) -> dict:
    import cv2

    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS)
    width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    writer = cv2.VideoWriter(str(output), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    started = time.perf_counter()
    frames = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        writer.write(frame)
        frames += 1
    capture.release()
    writer.release()
    seconds = time.perf_counter() - started
    own, children = _peak_rss_mb()
    return {"frames": frames, "seconds": seconds, "fps": frames / seconds,
            "peak_rss_mb": own, "peak_child_rss_mb": children}


def measure(kind: str, clip: Path, workdir: Path) -> dict:
    output = workdir / f"{clip.stem}_{kind}.mp4"
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_video_io", "--child", kind, str(clip), str(output)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--short", type=int, default=5)
    parser.add_argument("--long", type=int, default=60)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CLIP", "OUTPUT"),
                        help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        kind, clip, output = arguments.child
        if kind == "pipeline":
            row = child_pipeline(Path(clip), Path(output))
        elif kind == "pipeline_ultrafast":
            row = child_pipeline(Path(clip), Path(output), preset="ultrafast")
        else:
            row = child_opencv(Path(clip), Path(output))
        print(json.dumps(row))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench_video_io_") as temporary:
        workdir = Path(temporary)
        short = make_clip(arguments.source, arguments.short, workdir / "short_720p.mp4")
        long = make_clip(arguments.source, arguments.long, workdir / "long_720p.mp4")
        results = {
            "short_pipeline": measure("pipeline", short, workdir),
            "long_pipeline": measure("pipeline", long, workdir),
            "long_pipe_ufast": measure("pipeline_ultrafast", long, workdir),
            "long_opencv": measure("opencv", long, workdir),
        }
    ratio = results["long_pipeline"]["peak_rss_mb"] / results["short_pipeline"]["peak_rss_mb"]
    results["rss_ratio_long_over_short"] = ratio
    print(f"{'run':<16}{'frames':>8}{'fps':>9}{'peak RSS MB':>13}{'ffmpeg RSS MB':>15}")
    for name, row in results.items():
        if isinstance(row, dict):
            print(f"{name:<16}{row['frames']:>8}{row['fps']:>9.1f}{row['peak_rss_mb']:>13.1f}"
                  f"{row['peak_child_rss_mb']:>15.1f}")
    print(f"peak RSS ratio {arguments.long}s / {arguments.short}s: {ratio:.3f} (target <= 1.2)")
    speed = results["long_pipeline"]["fps"] / results["long_opencv"]["fps"]
    fastest = results["long_pipe_ufast"]["fps"] / results["long_opencv"]["fps"]
    print(f"pipeline vs cv2 loop speed: {speed:.2f}x with x264 veryfast, {fastest:.2f}x with "
          "ultrafast (pipeline: H.264 + audio copy; cv2: mp4v, no audio)")
    results_dir = REPO_ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "video_io.json").write_text(json.dumps(results, indent=2))
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
