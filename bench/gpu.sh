#!/usr/bin/env bash
# The GPU path of the model benchmarks, in one table: compute-matched stand-ins (never real
# weights) timed per call on CUDA, with IO binding, in fp16, on TensorRT with an engine cache,
# and ffmpeg's NVDEC/NVENC on the 720p clip where present. Without a GPU it runs the CPU path
# and says so.
#
#   bash bench/gpu.sh            # results under bench/results/gpu-*.json, table on stdout
#
# It installs requirements-gpu.txt (onnxruntime-gpu) into its own venv, .venv-gpu, because
# onnxruntime and onnxruntime-gpu can't share one.
set -euo pipefail
cd "$(dirname "$0")/.."
results=bench/results
mkdir -p "$results"
calls="${CALLS:-10}"

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  gpu="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
else
  gpu=""
fi

if [ -z "$gpu" ]; then
  echo "bench/gpu.sh: no GPU on this machine (nvidia-smi finds none): running the CPU path only."
  bash scripts/setup.sh requirements-dev.txt >/dev/null
  .venv/bin/python -m bench.bench_models --providers cpu --calls "${CALLS:-3}" --skip-cost \
    --results "$results/gpu-cpu-path.json"
  .venv/bin/python - "$results/gpu-cpu-path.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["per_call"]
print(f"\n{'model':28} {'GMACs':>8} {'wall ms/call':>13} {'CPU ms/call':>12}")
for name, row in rows.items():
    wall = row.get('compute_matched_ms', row.get('real_ms'))
    cpu = row.get('compute_matched_cpu_ms', row.get('real_cpu_ms'))
    print(f"{name:28} {row.get('gmacs', ''):>8} {wall:>13} {cpu:>12}")
PY
  cat <<'NOTE'

No GPU figures from this run (CPU only). What to expect on a GPU, from the MACs (README, "Speed
with compute-matched models"): an H100 runs dense fp16 convolutions at hundreds of TFLOP/s, so a
model call of ~200 GMACs (inswapper_128, GFPGAN) should take a few milliseconds with IO binding
and fp16/TensorRT, against seconds per call on this CPU; the swap's frame rate is then set by
detection, the warps, paste-back and video I/O, not by the swap model.
NOTE
  exit 0
fi

echo "bench/gpu.sh: $gpu"
if [ ! -x .venv-gpu/bin/python ]; then python3 -m venv .venv-gpu; fi
.venv-gpu/bin/pip install -q -r requirements-gpu.txt onnxconverter-common==1.16.0 tensorrt-cu12==10.13.3.9 \
  || .venv-gpu/bin/pip install -q -r requirements-gpu.txt onnxconverter-common==1.16.0
.venv-gpu/bin/python -c "import onnxruntime as o; print('onnxruntime', o.__version__, o.get_available_providers())"

run() {  # name, then bench_models arguments
  local name="$1"; shift
  echo "== $name"
  .venv-gpu/bin/python -m bench.bench_models --skip-cost --calls "$calls" --results "$results/gpu-$name.json" "$@" \
    || echo "   ($name failed: see above)"
}
run cpu --providers cpu --calls 3
run cuda --providers cuda
run cuda-iobinding --providers cuda --io-binding
run cuda-fp16 --providers cuda --fp16 --io-binding
run tensorrt --providers tensorrt --io-binding
echo "== swap options on the 720p clip (CUDA)"
.venv-gpu/bin/python -m bench.bench_models --providers cuda --calls 3 --cost-frames 60 --options pixel_boost=512 \
  --results "$results/gpu-cost.json" || true

echo "== ffmpeg NVDEC / NVENC"
clip=tests/data/videos/liveportrait_d18.mp4
if ffmpeg -hide_banner -hwaccels 2>/dev/null | grep -q cuda; then
  /usr/bin/time -f "nvdec decode: %e s" ffmpeg -v error -hwaccel cuda -i "$clip" -f null - || true
else
  echo "ffmpeg has no cuda hwaccel here"
fi
/usr/bin/time -f "cpu decode: %e s" ffmpeg -v error -i "$clip" -f null - || true
if ffmpeg -hide_banner -encoders 2>/dev/null | grep -q h264_nvenc; then
  /usr/bin/time -f "nvenc encode: %e s" ffmpeg -v error -y -i "$clip" -c:v h264_nvenc "$results/nvenc.mp4" || true
fi
/usr/bin/time -f "libx264 encode: %e s" ffmpeg -v error -y -i "$clip" -c:v libx264 -preset veryfast "$results/x264.mp4" || true

.venv-gpu/bin/python - "$results" <<'PY'
import json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
variants = ["cpu", "cuda", "cuda-iobinding", "cuda-fp16", "tensorrt"]
tables = {v: json.loads((folder / f"gpu-{v}.json").read_text())["per_call"]
          for v in variants if (folder / f"gpu-{v}.json").exists()}
names = next(iter(tables.values())).keys() if tables else []
print("\nms per call (compute-matched stand-ins)")
print(f"{'model':28}" + "".join(f"{v:>16}" for v in tables))
for name in names:
    cells = [tables[v][name].get("compute_matched_ms", tables[v][name].get("real_ms")) for v in tables]
    print(f"{name:28}" + "".join(f"{c!s:>16}" for c in cells))
PY
