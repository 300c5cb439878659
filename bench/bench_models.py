"""Time per call of every model, and each swap option's cost, with compute-matched stand-ins.

    python -m bench.bench_models [--calls 3] [--cost-frames 4] [--providers cpu] [--skip-cost]

Real weights can't be fetched here. The tests' signature-exact stand-ins do almost no work, so
this bench writes COMPUTE-MATCHED stand-ins (``bench/compute_matched_models.py``: random
weights, the real signatures, parameters and multiply-accumulates within 20 % of the real
models') into a temporary folder and measures, in one run:

1. per model: median seconds per call at the real input size, tiny stand-in (the baseline the
   older figures used) against compute-matched, and the ratio;
2. per option value that needs a model: seconds per frame of the 720p single-face clip of
   ``bench_quality`` (analysis + swap chain, no encoding) with that value against the default
   swap (the baseline, same run, same frames), as a ratio and as seconds added. The values are
   found by walking the face swap's options schema (every ``Option(models=...)`` value other
   than the default: today ``enhance=true`` and the masks; a new option such as ``swap_model``
   shows up by itself), each run with compute-matched stand-ins of every model it needs.
   ``--options`` adds labels of ``bench_quality.COST_OPTIONS`` (pixel boost, ...). Detection
   uses the REAL SCRFD-500MF (tests/data) so the faces and keypoints are real; what the real
   SCRFD-10GF would add per frame is measured in section 1 (det_10g compute-matched minus
   det_500m) and reported as a projected figure. A compute-matched swap takes seconds per face
   on a CPU, so the default is 4 frames: a per-frame figure from a few frames (one face each).

``--providers`` picks the ONNX Runtime providers (cpu, cuda, tensorrt; ``bench/gpu.sh`` runs
the GPU variants). Results go to stdout and bench/results/models.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

try:
    from onnxconverter_common import float16
except ImportError:  # optional: only --fp16 needs it, and bench/gpu.sh installs it
    float16 = None

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.bench_quality import COST_OPTIONS, bench_cost, cost_clip  # noqa: E402
from bench.compute_matched_models import BUILDERS, COUNT_SHAPES, REAL_FIGURES, compute_of  # noqa: E402
from tests.standin_models import BUILDERS as TINY_BUILDERS  # noqa: E402
from workers.model_zoo.manifest import ModelManifest  # noqa: E402
from workers.model_zoo.names import DETECTOR_MODEL  # noqa: E402
from workers.model_zoo.registry import ModelRegistry  # noqa: E402
from workers.options import json_value, option_fields, required_models  # noqa: E402
from workers.pipelines.options import FACESWAP_MODELS, faceswap_options, faceswap_options_schema  # noqa: E402

TESTDATA_MODELS = REPO_ROOT / "tests" / "data" / "models"
RESULTS = REPO_ROOT / "bench" / "results" / "models.json"
REAL_DETECTOR = "det_500m (real SCRFD-500MF)"
BASELINE = "baseline (default options)"
PROVIDERS = {
    "cpu": ["CPUExecutionProvider"],
    "cuda": ["CUDAExecutionProvider", "CPUExecutionProvider"],
    "tensorrt": [("TensorrtExecutionProvider", {"trt_engine_cache_enable": True,
                                               "trt_engine_cache_path": str(REPO_ROOT / "bench" / "results" / "trt"),
                                               "trt_fp16_enable": True}),
                 "CUDAExecutionProvider", "CPUExecutionProvider"],
}


def feeds_for(session: ort.InferenceSession, name: str) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    feeds = {}
    for value in session.get_inputs():
        shape = COUNT_SHAPES.get(name, {}).get(value.name) or [d if isinstance(d, int) else 1 for d in value.shape]
        feeds[value.name] = (rng.random(shape) if value.type == "tensor(double)"  # CodeFormer's weight
                             else rng.random(shape, dtype=np.float32))
    return feeds


def half_precision(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with float16 weights and arithmetic, float32 inputs and outputs kept (as an fp16
    export of the real weights would run); needs onnxconverter-common (bench/gpu.sh installs it)."""
    if float16 is None:
        raise SystemExit("--fp16 needs onnxconverter-common (bench/gpu.sh installs it)")
    return float16.convert_float_to_float16(model, keep_io_types=True)


def seconds_per_call(model: onnx.ModelProto | Path, name: str, providers: list, calls: int,
                     *, fp16: bool = False, io_binding: bool = False) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds of this process) per call. CPU seconds stay
    meaningful on a busy shared machine, where wall time also counts other programs' turns.
    ``io_binding`` keeps inputs and outputs on the device (CUDA): no host copies in the time."""
    if fp16:
        model = half_precision(onnx.load(str(model)) if isinstance(model, Path) else model)
    source = str(model) if isinstance(model, Path) else model.SerializeToString()
    session = ort.InferenceSession(source, providers=providers)
    feeds = feeds_for(session, name)
    if io_binding:
        binding = session.io_binding()
        for input_name, array in feeds.items():
            binding.bind_ortvalue_input(input_name, ort.OrtValue.ortvalue_from_numpy(array, "cuda", 0))
        for output in session.get_outputs():
            binding.bind_output(output.name, "cuda")

        def call() -> None:
            session.run_with_iobinding(binding)
    else:
        def call() -> None:
            session.run(None, feeds)
    call()  # warm-up: allocations, kernel choice (and TensorRT's engine build)
    walls, cpus = [], []
    for _ in range(calls):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus)


def bench_calls(folder: Path, providers: list, calls: int, names: list[str], **variant: bool) -> dict:
    rows = {}
    for name in names:
        path = folder / f"{name}.onnx"
        matched = onnx.load(str(path))
        params, macs = compute_of(name, matched)
        tiny, _ = seconds_per_call(TINY_BUILDERS[name](), name, providers, calls)
        heavy, heavy_cpu = seconds_per_call(path, name, providers, calls, **variant)
        real = REAL_FIGURES[name]
        rows[name] = {"at": real.at, "params_millions": round(params / 1e6, 2),
                      "gmacs": round(macs / 1e9, 2), "real_gmacs": round(real.macs / 1e9, 2),
                      "tiny_standin_ms": round(tiny * 1000, 2), "compute_matched_ms": round(heavy * 1000, 1),
                      "compute_matched_cpu_ms": round(heavy_cpu * 1000, 1),
                      "gmacs_per_cpu_second": round(macs / 1e9 / heavy_cpu, 1) if heavy_cpu else None,
                      "ratio": round(heavy / tiny, 1)}
        print(f"call {name:18} {json.dumps(rows[name])}", flush=True)
    detector, detector_cpu = seconds_per_call(TESTDATA_MODELS / "det_500m.onnx", "det_10g", providers, calls)
    rows[REAL_DETECTOR] = {"at": "1x3x640x640", "real_ms": round(detector * 1000, 2),
                           "real_cpu_ms": round(detector_cpu * 1000, 2)}
    return rows


def _spoken(value) -> str:
    value = json_value(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def model_option_values(schema=None) -> dict[str, dict]:
    """label -> request options, for every public option value of the face swap's schema that
    needs a model and isn't the default (a multiple choice: the default plus that member)."""
    schema = schema or faceswap_options_schema()
    found = {}
    for spec in option_fields(schema):
        if not spec.option.models:
            continue
        for value in spec.values():
            if not spec.models_of(value):
                continue
            chosen = tuple(dict.fromkeys((*spec.default, value))) if spec.many else value
            switch = spec.option.when  # enhance_model counts only with enhance on: cost it so
            if chosen == spec.default and not switch:
                continue
            label, options = f"{spec.name}={_spoken(chosen)}", {spec.name: json_value(chosen)}
            if switch:
                label = f"{switch}=true" if chosen == spec.default else f"{switch}=true,{label}"
                options = {switch: True, **options}
            found[label] = options
    return found


def swap_models_needed(options_by_label: dict[str, dict]) -> list[str]:
    """Every model the chosen option sets need (the detector included), each once."""
    names = dict.fromkeys(FACESWAP_MODELS)
    for options in options_by_label.values():
        names.update(dict.fromkeys(required_models(faceswap_options(options))))
    return list(names)


def registry_folder(folder: Path, matched: Path, names: list[str]) -> Path:
    """The swap's models folder: compute-matched models, the real SCRFD-500MF as the detector."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = ModelManifest.load()
    for name in names:
        if name != DETECTOR_MODEL:
            shutil.copyfile(matched / f"{name}.onnx", manifest.get(name).path_in(folder))
    shutil.copyfile(TESTDATA_MODELS / "det_500m.onnx", manifest.get(DETECTOR_MODEL).path_in(folder))
    return folder


def option_costs(cost: dict, frames: int) -> dict:
    """bench_cost's frames/s as seconds per frame, and each option's cost against the baseline
    (the first row): added seconds per frame (wall and CPU) and the ratio."""
    rows = {}
    base = cost[next(iter(cost))]
    base_s = 1 / base["frames_per_second"]
    for label, row in cost.items():
        seconds = 1 / row["frames_per_second"] if row["frames_per_second"] else None
        rows[label] = {**row, "frames": frames, "seconds_per_frame": round(seconds, 3) if seconds else None,
                       "added_seconds_per_frame": round(seconds - base_s, 3) if seconds else None,
                       "seconds_vs_baseline": round(seconds / base_s, 2) if seconds else None,
                       "added_cpu_seconds_per_frame": round(row["cpu_seconds_per_frame"]
                                                            - base["cpu_seconds_per_frame"], 3)}
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3, help="timed calls per model (median)")
    parser.add_argument("--cost-frames", type=int, default=4, help="frames of the 720p clip per option")
    parser.add_argument("--providers", choices=sorted(PROVIDERS), default="cpu")
    parser.add_argument("--skip-cost", action="store_true", help="section 1 only")
    parser.add_argument("--fp16", action="store_true", help="compute-matched models in half precision")
    parser.add_argument("--io-binding", action="store_true", help="inputs and outputs bound on the GPU")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--models", help="comma-separated model names for section 1 (default: all)")
    parser.add_argument("--options", help="comma-separated labels of bench_quality.COST_OPTIONS to time too "
                                          "(besides every option value that needs a model; e.g. pixel_boost=512)")
    arguments = parser.parse_args(argv)
    providers = PROVIDERS[arguments.providers]
    results: dict = {"machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                                 "onnxruntime": ort.__version__, "providers": arguments.providers,
                                 "fp16": arguments.fp16, "io_binding": arguments.io_binding},
                     "note": "compute-matched stand-ins (random weights): timing only, never output quality"}
    with tempfile.TemporaryDirectory() as temporary:
        matched = Path(temporary) / "matched"
        matched.mkdir()
        names = arguments.models.split(",") if arguments.models else list(BUILDERS)
        for name in {*names, "det_10g"}:
            onnx.save(BUILDERS[name](), str(matched / f"{name}.onnx"))
        results["per_call"] = bench_calls(matched, providers, arguments.calls, [*dict.fromkeys([*names, "det_10g"])],
                                          fp16=arguments.fp16,
                                          io_binding=arguments.io_binding)
        if not arguments.skip_cost:
            chosen = {BASELINE: {}, **model_option_values()}
            labels = arguments.options.split(",") if arguments.options else []
            chosen.update({label: COST_OPTIONS[label] for label in labels})
            needed = swap_models_needed(chosen)
            missing = [name for name in needed if name != DETECTOR_MODEL and name not in BUILDERS]
            for label in [label for label, options in chosen.items()
                          if set(swap_models_needed({label: options})) & set(missing)]:
                print(f"cost {label}: skipped, no compute-matched stand-in for {missing}", flush=True)
                results.setdefault("cost_skipped", {})[label] = f"no compute-matched stand-in for {missing}"
                del chosen[label]
            needed = swap_models_needed(chosen)
            for name in needed:
                if name != DETECTOR_MODEL and not (matched / f"{name}.onnx").exists():
                    onnx.save(BUILDERS[name](), str(matched / f"{name}.onnx"))
            registry = ModelRegistry(registry_folder(Path(temporary) / "models", matched, needed),
                                     providers=arguments.providers)
            print(f"cost: {len(chosen)} option sets on {arguments.cost_frames} frames of the 720p clip: "
                  f"{', '.join(chosen)}", flush=True)
            cost = bench_cost(registry, cost_clip(arguments.cost_frames), repeats=1, options_by_label=chosen)
            cost = option_costs(cost, arguments.cost_frames)
            per_call = results["per_call"]
            extra = (per_call["det_10g"]["compute_matched_ms"] - per_call[REAL_DETECTOR]["real_ms"]) / 1000
            for row in cost.values():
                fps = row["frames_per_second"]
                row["projected_fps_with_det_10g"] = round(1 / (1 / fps + extra), 3) if fps else None
            results["cost_720p"] = cost
            for label, row in cost.items():
                print("cost", f"{label:28}", json.dumps(row), flush=True)
    arguments.results.parent.mkdir(parents=True, exist_ok=True)
    arguments.results.write_text(json.dumps(results, indent=2))
    print(f"wrote {arguments.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
