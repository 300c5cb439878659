"""A web process's start: its resident memory and start time once Django, every app's models and
the URLconf are loaded (what a gunicorn worker does before its first request), for this tree
against a baseline tree (``main`` by default, checked out with ``git archive`` into a temporary
folder) in the same run: interleaved rounds, each in a fresh interpreter, ratios of medians.

    .venv/bin/python -m bench.bench_web_process                 # this tree vs main
    BENCH_BASELINE=<commit> .venv/bin/python -m bench.bench_web_process

Prints, for each tree: median wall time to load, median RSS (VmRSS after loading, MiB), and which
of numpy, OpenCV (cv2), onnx and ONNX Runtime were loaded.
"""
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
BASELINE = os.environ.get("BENCH_BASELINE", "main")
HEAVY = ("numpy", "cv2", "onnx", "onnxruntime")

# What a web worker loads before serving: settings, apps (their models and ready()), the URLconf
# and every view module it names.
WEB_START = """
import json, sys, time
start = time.perf_counter()
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
elapsed = time.perf_counter() - start
rss_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:"))
print(json.dumps({"seconds": elapsed, "rss_mib": rss_kib / 1024,
                  "heavy": [name for name in HEAVY if name in sys.modules]}))
""".replace("HEAVY", repr(HEAVY))


def _checkout(commit: str, folder: Path) -> Path:
    archive = folder / "baseline.tar"
    with open(archive, "wb") as handle:
        subprocess.run(["git", "archive", commit], cwd=REPO, stdout=handle, check=True)
    tree = folder / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def _start(tree: Path, data_dir: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "isamurai_server.settings", "PYTHONPATH": str(tree),
           "ISAMURAI_DATA_DIR": data_dir}
    env.pop("ISAMURAI_PROCESSOR_MODULES", None)
    done = subprocess.run([sys.executable, "-c", WEB_START], cwd=tree, env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as scratch:
        folder = Path(scratch)
        trees = {f"baseline ({BASELINE})": _checkout(BASELINE, folder), "this tree": REPO}
        data_dir = str(folder / "data")
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for tree in trees.values():  # warm the file cache once, unmeasured
            _start(tree, data_dir)
        for _ in range(ROUNDS):
            for name, tree in trees.items():
                runs[name].append(_start(tree, data_dir))
        summary = {}
        for name, results in runs.items():
            summary[name] = {"seconds": statistics.median(r["seconds"] for r in results),
                             "rss_mib": statistics.median(r["rss_mib"] for r in results),
                             "heavy": results[-1]["heavy"]}
            print(f"{name:>24}: start {summary[name]['seconds']:.3f} s, RSS {summary[name]['rss_mib']:.1f} MiB, "
                  f"loads {', '.join(summary[name]['heavy']) or 'none of ' + ', '.join(HEAVY)}")
        base, this = summary[f"baseline ({BASELINE})"], summary["this tree"]
        print(f"{'this / baseline':>24}: start x{this['seconds'] / base['seconds']:.2f}, "
              f"RSS x{this['rss_mib'] / base['rss_mib']:.2f} ({ROUNDS} rounds, medians)")


if __name__ == "__main__":
    main()
