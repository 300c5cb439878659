"""Benchmark the swap-quality processors (issue 15) without real swap weights.

    python -m bench.bench_quality [--skip-interpolation] [--cost-frames 60]

Real weights can't be fetched here, so every figure comes from the real SCRFD detector
(testdata/models/det_500m.onnx) on real photos and clips, with STAND-IN swappers this script
writes into a temporary folder (never into the models folder):

* ``round trip`` stand-in: inswapper's signature, output = its input crop. A swap becomes a
  round trip, so what the result loses against the input is the pipeline's own cost.
* ``colour cast`` stand-in: the round trip plus +0.08 red and -0.08 blue (in [0,1]).
* XSeg / BiSeNet / GFPGAN / ArcFace: the tests' signature-exact stand-ins (cost only).

Sections (each against its baseline from the same run):

1. resolution: PSNR inside each face box, round trip, photos rescaled so faces are 150-400 px,
   pixel_boost 128 (today) / 256 / 512 / auto; pixels outside the face boxes must be unchanged.
2. colour: mean LAB distance inside the face box with the cast, without / with color_match.
3. mouth: largest difference inside the mouth with mouth_mask (cast stand-in), against without.
4. stability: talking heads, a steady camera pan over a photo, and a talking head with the face
   hidden for 2 frames every 25: frames where a followed person is left unswapped between
   swapped frames, keypoint jitter (mean |second difference|), lag on the pan (frames).
5. interpolation: bench.bench_interpolation's drop-frame protocol (its own JSON).
6. cost: frames/s of a 720p single-face video (analysis + swap chain, no encoding) with each
   option on and off. With stand-ins the swap model itself is nearly free, so these are the
   pipeline's own costs; real inswapper/XSeg/BiSeNet/GFPGAN inference adds to them.

Results go to stdout and bench/results/quality.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import onnx

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.standin_models import build_round_trip_inswapper, build_round_trip_swapper, write_standins  # noqa: E402
from workers.choices import SWAP_MODELS  # noqa: E402
from workers.faces.analyser import Face, FaceAnalyser  # noqa: E402
from workers.faces.color import to_lab  # noqa: E402
from workers.faces.stability import FaceStabiliser  # noqa: E402
from workers.model_zoo.registry import ModelRegistry  # noqa: E402
from workers.pipelines.faceswap import build_frame_swapper, swap_image  # noqa: E402
from workers.video.reader import VideoFrameReader  # noqa: E402

TESTDATA = Path(os.environ.get("ISAMURAI_TESTDATA", REPO_ROOT.parent / "shared" / "testdata"))
RESULTS = REPO_ROOT / "bench" / "results" / "quality.json"
PHOTOS = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "biden2.jpg")
FACE_SIZES = (160, 256, 320, 400)
CAST = (0.08, 0.0, -0.08)
TALKING_HEADS = ("liveportrait_d18", "liveportrait_d19", "liveportrait_d20")


def standin_models(folder: Path, cast: tuple[float, float, float]) -> ModelRegistry:
    """A models folder with the real detector and STAND-IN everything else (see module doc)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_standins(folder, names=["w600k_r50", "gfpgan_1.4", "xseg_1", "bisenet_resnet_34"])
    onnx.save(build_round_trip_inswapper(cast), str(folder / "inswapper_128.onnx"))
    # The other swappers (swap_model), round trips too, with their embedding converters.
    write_standins(folder, names=["crossface_ghost", "crossface_simswap"])
    for model in SWAP_MODELS.values[1:]:
        onnx.save(build_round_trip_swapper(model.value, cast), str(folder / f"{model.value}.onnx"))
    shutil.copyfile(TESTDATA / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    return ModelRegistry(folder, providers="cpu")


def psnr(first: np.ndarray, second: np.ndarray) -> float:
    error = float(np.mean((first.astype(np.float64) - second.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0 ** 2 / max(error, 1e-12))


def box_slices(face: Face, shape) -> tuple[slice, slice]:
    x1, y1, x2, y2 = face.pixel_box(shape)
    return slice(y1, y2), slice(x1, x2)


def outside_boxes(faces: list[Face], shape) -> np.ndarray:
    mask = np.ones(shape[:2], bool)
    for face in faces:
        mask[box_slices(face, shape)] = False
    return mask


def swap(models, image: np.ndarray, **options) -> np.ndarray:
    return swap_image(models, target=image, sources=image, face_selection="all", **options)


def still_photos(analyser: FaceAnalyser) -> list[tuple[str, np.ndarray, list[Face]]]:
    """Each photo rescaled so its largest face is 160 / 256 / 320 / 400 px (PNG round trip: lossless)."""
    photos = []
    for name in PHOTOS:
        image = cv2.imread(str(TESTDATA / "images" / name))
        if image is None:
            raise SystemExit(f"{name} not found under {TESTDATA}/images")
        face = max(analyser.analyse(image, embed=False), key=lambda f: f.area)
        for size in FACE_SIZES:
            scale = size / max(face.width, face.height)
            scaled = cv2.resize(image, None, fx=scale, fy=scale,
                                interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
            scaled = cv2.imdecode(cv2.imencode(".png", scaled)[1], cv2.IMREAD_COLOR)
            faces = analyser.analyse(scaled, embed=False)
            if faces:
                photos.append((f"{name}@{size}", scaled, faces))
    return photos


def bench_resolution(models, photos) -> dict:
    rows = []
    for label, image, faces in photos:
        outputs = {boost: swap(models, image, pixel_boost=boost) for boost in ("128", "256", "512", "auto")}
        for face in faces:
            area = box_slices(face, image.shape)
            row = {"photo": label, "face_px": int(max(face.width, face.height))}
            row.update({f"psnr_{boost}": round(psnr(out[area], image[area]), 2) for boost, out in outputs.items()})
            rows.append(row)
        outside = outside_boxes(faces, image.shape)
        for boost, out in outputs.items():
            changed = int((out[outside] != image[outside]).any(axis=-1).sum())
            rows[-1].setdefault("changed_outside", {})[boost] = changed
    large = [r for r in rows if r["face_px"] >= 256]
    in_range = [r for r in rows if 150 <= r["face_px"] <= 400]
    summary = {
        "faces": len(in_range),
        **{f"psnr_{b}_range": [min(r[f"psnr_{b}"] for r in in_range), max(r[f"psnr_{b}"] for r in in_range)]
           for b in ("128", "256", "512", "auto")},
        "min_gain_512_over_128_faces_256_plus": round(min(r["psnr_512"] - r["psnr_128"] for r in large), 2),
        "changed_pixels_outside_boxes": sum(sum(r.get("changed_outside", {}).values()) for r in rows),
    }
    return {"faces": rows, "summary": summary}


def lab_distance(first, second, area) -> float:
    return float(np.linalg.norm(to_lab(first[area]) - to_lab(second[area]), axis=-1).mean())


def bench_colour(models, photos) -> dict:
    rows = []
    for label, image, faces in photos:
        plain = swap(models, image)
        matched = swap(models, image, color_match=True)
        boosted = swap(models, image, color_match=True, pixel_boost="auto")
        for face in faces:
            area = box_slices(face, image.shape)
            rows.append({"photo": label, "face_px": int(max(face.width, face.height)),
                         "cast": round(lab_distance(plain, image, area), 2),
                         "color_match": round(lab_distance(matched, image, area), 2),
                         "color_match_auto_boost": round(lab_distance(boosted, image, area), 2)})
    return {"faces": rows, "summary": {key: [min(r[key] for r in rows), max(r[key] for r in rows)]
                                       for key in ("cast", "color_match", "color_match_auto_boost")}}


def mouth_core(face: Face, shape) -> np.ndarray:
    left, right = face.keypoints[3], face.keypoints[4]
    centre = (left + right) / 2
    core = np.zeros(shape[:2], np.uint8)
    cv2.circle(core, (int(centre[0]), int(centre[1])), max(2, int(0.17 * np.hypot(*(right - left)))), 1, -1)
    return core.astype(bool)


def bench_mouth(models, photos) -> dict:
    worst_masked, least_unmasked = 0, 255
    for _, image, faces in photos:
        plain, masked = swap(models, image), swap(models, image, mouth_mask=True)
        for face in faces:
            core = mouth_core(face, image.shape)
            worst_masked = max(worst_masked, int(np.abs(masked[core].astype(int) - image[core]).max()))
            least_unmasked = min(least_unmasked, int(np.abs(plain[core].astype(int) - image[core]).max()))
    return {"max_level_difference_with_mouth_mask": worst_masked,
            "max_level_difference_without (smallest over faces)": least_unmasked}


def clip_faces(analyser, frames) -> list[list[Face]]:
    return [analyser.analyse(frame, embed=False) for frame in frames]


def read_frames(path: Path, count: int) -> list[np.ndarray]:
    frames = []
    with VideoFrameReader(path) as reader:
        for frame in reader:
            frames.append(frame.copy())
            if len(frames) == count:
                break
    return frames


def pan_frames(count: int) -> list[np.ndarray]:
    photo = cv2.imread(str(TESTDATA / "images" / "obama.jpg"))
    return [cv2.warpAffine(photo, np.float32([[1, 0, -3.0 * i], [0, 1, -1.5 * i]]), (600, 700))
            for i in range(count)]


def run_stabiliser(faces_per_frame, stabiliser: FaceStabiliser | None) -> list[list[Face]]:
    """The face swapped in each frame (the main person), as the video pipeline would pick it."""
    chosen = [[max(faces, key=lambda f: f.area)] if faces else [] for faces in faces_per_frame]
    if stabiliser is None:
        return chosen
    out = []
    for index, faces in enumerate(chosen):
        out += [[face for face, _ in selected] for _, selected in stabiliser.push(index, [(f, "p") for f in faces])]
    out += [[face for face, _ in selected] for _, selected in stabiliser.flush()]
    return out


def gap_frames(swapped: list[list[Face]]) -> int:
    """Frames with nobody swapped while an earlier and a later frame have the person swapped."""
    seen = [bool(faces) for faces in swapped]
    first = seen.index(True) if any(seen) else len(seen)
    last = len(seen) - 1 - seen[::-1].index(True) if any(seen) else -1
    return sum(1 for index in range(first, last + 1) if not seen[index])


def jitter(swapped: list[list[Face]]) -> float:
    points = np.array([faces[0].keypoints for faces in swapped if faces], np.float64)
    return float(np.abs(points[2:] - 2 * points[1:-1] + points[:-2]).mean())


def bench_stability(analyser, frames_per_clip: int) -> dict:
    clips = {name: read_frames(TESTDATA / "videos" / f"{name}.mp4", frames_per_clip) for name in TALKING_HEADS}
    clips["camera_pan_3px"] = pan_frames(frames_per_clip)
    hidden = [frame.copy() for frame in clips["liveportrait_d18"]]
    base_faces = clip_faces(analyser, hidden)
    for index in range(10, len(hidden), 25):
        for offset in (0, 1):
            if index + offset < len(hidden) and base_faces[index + offset]:
                x1, y1, x2, y2 = base_faces[index + offset][0].pixel_box(hidden[0].shape)
                hidden[index + offset][y1:y2, x1:x2] = 0
    clips["d18_face_hidden_2_of_25"] = hidden
    rows = {}
    for name, frames in clips.items():
        faces = clip_faces(analyser, frames)
        raw, smooth = run_stabiliser(faces, None), run_stabiliser(faces, FaceStabiliser())
        row = {"frames": len(frames), "gap_frames_today": gap_frames(raw),
               "gap_frames_with_stability": gap_frames(smooth),
               "jitter_today_px": round(jitter(raw), 3), "jitter_with_stability_px": round(jitter(smooth), 3)}
        row["jitter_change_pct"] = round(100 * (row["jitter_with_stability_px"] / row["jitter_today_px"] - 1), 1)
        if name == "camera_pan_3px":
            points = np.array([f[0].keypoints for f in raw], np.float64)
            smoothed = np.array([f[0].keypoints for f in smooth], np.float64)
            velocity = np.median(np.diff(points, axis=0), axis=0).ravel()
            lag = ((points - smoothed)[10:].reshape(len(points) - 10, -1) @ velocity).mean() / (velocity @ velocity)
            row["lag_frames"] = round(float(lag), 2)
        rows[name] = row
    return rows


def cost_clip(frames: int) -> list[np.ndarray]:
    """A 1280x720 single-face clip: a talking head scaled to 720 px high on a grey canvas."""
    out = []
    for frame in read_frames(TESTDATA / "videos" / "liveportrait_d18.mp4", frames):
        canvas = np.full((720, 1280, 3), 96, np.uint8)
        canvas[:, 280:1000] = cv2.resize(frame, (720, 720), interpolation=cv2.INTER_CUBIC)
        out.append(canvas)
    return out


COST_OPTIONS = {
    "baseline (today)": {},
    "pixel_boost=256": {"pixel_boost": "256"},
    "pixel_boost=512": {"pixel_boost": "512"},
    "pixel_boost=auto": {"pixel_boost": "auto"},
    "color_match": {"color_match": True},
    "mouth_mask": {"mouth_mask": True},
    "face_mask=box,occlusion": {"face_mask": ("box", "occlusion")},
    "face_mask=box,region": {"face_mask": ("box", "region")},
    "video_stability": {"video_stability": True},
    "enhance (GFPGAN stand-in)": {"enhance": True},
    "swap_model=hyperswap_1a_256": {"swap_model": "hyperswap_1a_256"},
    "swap_model=ghost_2_256": {"swap_model": "ghost_2_256"},
    "swap_model=simswap_256": {"swap_model": "simswap_256"},
}


def bench_cost(models, frames: list[np.ndarray], repeats: int = 3, options_by_label: dict | None = None) -> dict:
    """Best frames/s of each option (``COST_OPTIONS`` unless given; the first is the baseline);
    the options take turns in every round, so a busy moment of the (shared) machine hits them
    all alike instead of one."""
    options_by_label = options_by_label or COST_OPTIONS
    source = cv2.imread(str(TESTDATA / "images" / "obama.jpg"))
    for options in options_by_label.values():  # warm-up: sessions, caches
        build_frame_swapper(models, sources=source, **options).process(frames[0].copy())
    best = dict.fromkeys(options_by_label, 0.0)
    cpu = dict.fromkeys(options_by_label, float("inf"))  # CPU seconds a frame (all threads)
    for _ in range(repeats):
        for label, options in options_by_label.items():
            swapper = build_frame_swapper(models, sources=source, **options)
            start, start_cpu = time.perf_counter(), time.process_time()
            analysed = ((frame, swapper.analyse(frame)) for frame in (f.copy() for f in frames))
            done = sum(1 for _ in swapper.stream(analysed))
            best[label] = max(best[label], done / (time.perf_counter() - start))
            cpu[label] = min(cpu[label], (time.process_time() - start_cpu) / done)
    base, base_cpu = best[next(iter(options_by_label))], cpu[next(iter(options_by_label))]
    return {label: {"frames_per_second": round(fps, 3), "vs_baseline": round(fps / base, 2),
                    "cpu_seconds_per_frame": round(cpu[label], 3),
                    "cpu_vs_baseline": round(cpu[label] / base_cpu, 2)}
            for label, fps in best.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-interpolation", action="store_true")
    parser.add_argument("--stability-frames", type=int, default=150)
    parser.add_argument("--cost-frames", type=int, default=60)
    parser.add_argument("--output", type=Path, default=RESULTS)
    arguments = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_quality_standins_") as folder:
        round_trip = standin_models(Path(folder) / "round_trip", (0.0, 0.0, 0.0))
        colour_cast = standin_models(Path(folder) / "colour_cast", CAST)
        analyser = FaceAnalyser(round_trip)
        photos = still_photos(analyser)
        results: dict = {}
        results["resolution"] = bench_resolution(round_trip, photos)
        print("resolution", json.dumps(results["resolution"]["summary"]), flush=True)
        results["colour"] = bench_colour(colour_cast, photos)
        print("colour", json.dumps(results["colour"]["summary"]), flush=True)
        results["mouth"] = bench_mouth(colour_cast, photos)
        print("mouth", json.dumps(results["mouth"]), flush=True)
        results["stability"] = bench_stability(analyser, arguments.stability_frames)
        for name, row in results["stability"].items():
            print("stability", name, json.dumps(row), flush=True)
        results["cost_720p"] = bench_cost(round_trip, cost_clip(arguments.cost_frames))
        for name, row in results["cost_720p"].items():
            print("cost", f"{name:28}", json.dumps(row), flush=True)
    if not arguments.skip_interpolation:
        from bench import bench_interpolation

        bench_interpolation.main([])
        results["interpolation"] = json.loads(bench_interpolation.RESULTS.read_text())["summary"]

    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "opencv": cv2.__version__},
        "standins": "round-trip and colour-cast inswapper stand-ins written by this script; "
                    "the detector is the real SCRFD-500MF",
        **results}, indent=2) + "\n", encoding="utf-8")
    print(f"written {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
