"""One long video over 2 workers vs 1, in the same run: the speed-up of a split job and how its
border frames compare with the single-worker output.

    python -m bench.bench_segments [--seconds 60] [--segment-seconds 30] [--kind faceswap|slowmotion]
                                   [--models tiny|compute-matched] [--cores-per-worker 1]

The clip is built reproducibly from the test clips with ffmpeg (talking heads, several cuts,
480x480 at 30 fps, AAC audio, cut to ``--seconds``). Both runs use the job's real pipeline
(``workers.pipelines.faceswap`` / ``slowmotion``) as a GPU worker runs it:

* **1 worker**: one process runs the job whole (``run``);
* **2 workers**: the job's ``segment_plan`` splits it, two worker processes take the parts from a
  shared queue (as free GPU workers take ``jobs.segment`` messages), then ``segments_join`` joins
  them by stream copy. The time includes planning (keyframes, cut checks, the reference face)
  and the join. The engine's own round trips (a broker message per part, a few row updates) are
  left out: milliseconds against minutes.

Each worker process is pinned to ``--cores-per-worker`` cores of its own (``sched_setaffinity``;
ONNX Runtime and ffmpeg threads to match), standing for one accelerator per worker: without it,
on a small CPU host, the single run would already use every core and the comparison would say
nothing about adding a GPU worker. The frames are compared by decoding: frame count, the video
and audio timestamps, and the PSNR of the frames around each border (2 before, 3 from it) next
to the PSNR of all frames (encoder noise: each part is its own x264 encode).

Models: ``tiny`` = the signature-exact stand-ins of ``tests/standin_models.py`` with SCRFD-500M as
the detector (fast; the pipeline's own cost dominates), ``compute-matched`` = the stand-ins of
``bench/compute_matched_models.py`` (the real models' cost; for a big host). Stand-ins' outputs are
meaningless: these are timings, never quality figures. Writes bench/results/segments.json.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("ISAMURAI_TESTDATA", REPO_ROOT / "tests" / "data"))
VIDEOS = ("liveportrait_d18.mp4", "liveportrait_d19.mp4", "liveportrait_d3.mp4")


def make_clip(seconds: float, destination: Path) -> Path:
    """The test clips one after the other (480x480, 30 fps, AAC), looped and cut to ``seconds``."""
    repeats = int(seconds // 27) + 1
    names = [TESTDATA / "videos" / name for name in VIDEOS] * repeats
    inputs, chains, labels = [], [], []
    for number, path in enumerate(names):
        inputs += ["-i", str(path)]
        chains.append(f"[{number}:v]scale=480:480,fps=30,setsar=1[v{number}];"
                      f"[{number}:a]aresample=44100,aformat=channel_layouts=mono[a{number}]")
        labels.append(f"[v{number}][a{number}]")
    graph = ";".join(chains) + ";" + "".join(labels) + f"concat=n={len(names)}:v=1:a=1[v][a]"
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
                    "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-c:a", "aac",
                    "-b:a", "128k", str(destination)], check=True)
    return destination


def make_models(folder: Path, kind: str) -> Path:
    sys.path.insert(0, str(REPO_ROOT))
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "tiny":
        from tests.standin_models import write_standins

        write_standins(folder, names=["w600k_r50", "inswapper_128"])
        shutil.copyfile(TESTDATA / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    else:
        from bench.compute_matched_models import write_compute_matched

        write_compute_matched(folder, ["det_10g", "w600k_r50", "inswapper_128"])
    return folder


def _pin(cores: list[int]) -> None:
    os.sched_setaffinity(0, set(cores))


_REGISTRY = {}


def _context(job: dict, output_dir: Path, segment=None):
    from workers.model_zoo.registry import ModelRegistry
    from workers.pipelines.context import PipelineContext

    models = None
    if job["kind"] == "faceswap":  # one registry per worker process, its sessions loaded once, as a worker's
        key = (os.getpid(), job["models"])
        if key not in _REGISTRY:
            _REGISTRY[key] = ModelRegistry(Path(job["models"]), providers="cpu", intra_op_threads=job["threads"])
        models = _REGISTRY[key]
    return PipelineContext(inputs={role: Path(path) for role, path in job["inputs"].items()},
                           options=job["options"], output_dir=output_dir, models=models, segment=segment)


def _pipeline(kind: str):
    from workers.pipelines import faceswap, slowmotion

    return faceswap if kind == "faceswap" else slowmotion


def _whole(job: dict, cores: list[int], result: dict) -> None:
    _pin(cores)
    started = time.perf_counter()
    output = _pipeline(job["kind"]).run(_context(job, Path(job["work"]) / "whole")).output
    result.update(seconds=time.perf_counter() - started, output=str(output))


def _worker(job: dict, cores: list[int], parts, done) -> None:
    """A GPU worker: takes parts until none is left, as free workers take `jobs.segment` messages."""
    _pin(cores)
    pipeline = _pipeline(job["kind"])
    while True:
        segment = parts.get()
        if segment is None:
            return
        started = time.perf_counter()
        result = pipeline.run(_context(job, Path(job["work"]) / f"segment-{segment.index}", segment))
        report = asdict(result.report)
        frames = int(report.get("frames_out") or report.get("frames") or 0)
        done.put((segment.index, str(result.output), frames, json.loads(json.dumps(report, default=str)),
                  os.getpid(), round(time.perf_counter() - started, 2)))


def run_split(job: dict, workers: list[list[int]], segment_seconds: float) -> dict:
    from workers.video.segments import SegmentPart

    started = time.perf_counter()
    pipeline = _pipeline(job["kind"])
    _pin(workers[0])
    ranges = pipeline.segment_plan(_context(job, Path(job["work"]) / "plan"), segment_seconds)
    planned = time.perf_counter() - started
    context = multiprocessing.get_context("fork")
    parts, done = context.Queue(), context.Queue()
    for segment in ranges:
        parts.put(segment)
    processes = [context.Process(target=_worker, args=(job, cores, parts, done)) for cores in workers]
    for process in processes:
        parts.put(None)
        process.start()
    finished = [done.get() for _ in ranges]
    for process in processes:
        process.join()
    finished.sort()
    joined_at = time.perf_counter()
    result = pipeline.segments_join(_context(job, Path(job["work"]) / "join"),
                                    [SegmentPart(Path(path), frames, report)
                                     for _, path, frames, report, _, _ in finished])
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "plan_seconds": round(planned, 2),
            "join_seconds": round(time.perf_counter() - joined_at, 2), "output": str(result.output),
            "segments": [{"index": r.index, "start": r.start, "end": r.end, "read_start": r.read_start,
                          "read_end": r.read_end, "worker_pid": pid, "seconds": took}
                         for r, (_, _, _, _, pid, took) in zip(ranges, finished, strict=True)]}


def _timestamps(path: str, stream: str) -> list[str]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "frame=pts",
                          "-of", "csv=p=0", path], capture_output=True, check=True, text=True).stdout
    return [line.split(",")[0] for line in out.split() if line.split(",")[0]]


def compare(single: str, joined: str, borders: list[int]) -> dict:
    import numpy as np

    def frames(path: str):
        size = json.loads(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                          "stream=width,height", "-of", "json", path], capture_output=True,
                                         check=True).stdout)["streams"][0]
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                             capture_output=True, check=True).stdout
        return np.frombuffer(raw, np.uint8).reshape(-1, size["height"], size["width"], 3)

    def psnr(a, b) -> float:
        mse = float(((a.astype(np.float32) - b.astype(np.float32)) ** 2).mean())
        return 99.0 if mse == 0 else round(10 * float(np.log10(255 ** 2 / mse)), 2)

    ours, theirs = frames(joined), frames(single)
    same_count = len(ours) == len(theirs)
    every = [psnr(a, b) for a, b in zip(ours, theirs, strict=False)]
    near = {str(b): [psnr(ours[i], theirs[i]) for i in range(b - 2, min(b + 3, len(ours)))] for b in borders}
    return {"frames_single": len(theirs), "frames_split": len(ours), "same_frame_count": same_count,
            "same_video_timestamps": _timestamps(joined, "v") == _timestamps(single, "v"),
            "same_audio_timestamps": _timestamps(joined, "a") == _timestamps(single, "a"),
            "psnr_all_frames": {"min": min(every), "mean": round(sum(every) / len(every), 2)},
            "psnr_border_frames": near, "psnr_border_min": min(v for values in near.values() for v in values)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--segment-seconds", type=float, default=30.0)
    parser.add_argument("--kind", choices=("faceswap", "slowmotion"), default="faceswap")
    parser.add_argument("--models", choices=("tiny", "compute-matched"), default="tiny")
    parser.add_argument("--cores-per-worker", type=int, default=1)
    parser.add_argument("--stability", action="store_true", help="face swap with video_stability")
    args = parser.parse_args(argv)
    load = os.getloadavg()  # the host is shared: what else ran says how much to trust the figures
    sys.path.insert(0, str(REPO_ROOT))
    cores = sorted(os.sched_getaffinity(0))
    per = args.cores_per_worker
    if len(cores) < 2 * per:
        parser.error(f"2 workers of {per} core(s) need {2 * per} cores; this host lets us use {len(cores)}")
    workers = [cores[:per], cores[per:2 * per]]
    os.environ.setdefault("OMP_NUM_THREADS", str(per))
    work = Path(tempfile.mkdtemp(prefix="bench_segments_"))
    try:
        clip = make_clip(args.seconds, work / "clip.mp4")
        if args.kind == "faceswap":
            models = make_models(work / "models", args.models)
            inputs = {"target": str(clip), "source": str(TESTDATA / "images" / "obama.jpg")}
            options = {"gquality": "480p", "media_type": "video", "enhance": False,
                       "video_stability": args.stability}
        else:
            models, inputs = work / "models", {"source": str(clip)}
            options = {"slowdown_factor": "2", "mode": "slowmo", "quality": "480p", "interpolator": "flow"}
        job = {"kind": args.kind, "inputs": inputs, "options": options, "models": str(models), "threads": per,
               "work": str(work)}
        context = multiprocessing.get_context("fork")
        single: dict = context.Manager().dict()
        process = context.Process(target=_whole, args=(job, workers[0], single))
        process.start()
        process.join()
        single = dict(single)
        split = run_split(job, workers, args.segment_seconds)
        step = 2 if args.kind == "slowmotion" else 1
        borders = [segment["start"] * step for segment in split["segments"][1:]]
        figures = {
            "kind": args.kind, "clip_seconds": args.seconds, "segment_seconds": args.segment_seconds,
            "models": args.models, "cores_per_worker": per, "host_cores": os.cpu_count(),
            "load_average_at_start": load, "python": platform.python_version(),
            "single_worker_seconds": round(single["seconds"], 2), "two_workers_seconds": round(split["seconds"], 2),
            "speedup": round(single["seconds"] / split["seconds"], 2),
            "plan_seconds": split["plan_seconds"], "join_seconds": split["join_seconds"],
            "segments": split["segments"], **compare(single["output"], split["output"], borders),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = REPO_ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"segments_{args.kind}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
