"""A web process's start: its resident memory and start time once Django, every app's models and
the URLconf are loaded (what a gunicorn worker does before its first request), for this tree
against a baseline tree (``main`` by default, checked out with ``git archive`` into a temporary
folder) in the same run: interleaved rounds, each in a fresh interpreter, ratios of medians.

    .venv/bin/python -m bench.bench_web_process                 # this tree vs main
    BENCH_BASELINE=<commit> .venv/bin/python -m bench.bench_web_process

Prints, for each tree: median wall time to load, median RSS (VmRSS after loading, MiB), and which
of numpy, OpenCV (cv2), onnx and ONNX Runtime were loaded; then the same after the web side of a
first image upload (``media_file_check`` on a photo of tests/data: what every image upload runs).
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
def rss_mib():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:")) / 1024
report = {"seconds": elapsed, "rss_mib": rss_mib(), "heavy": [name for name in HEAVY if name in sys.modules]}
from pathlib import Path
from apps.core.uploads import media_file_check
start = time.perf_counter()
media_file_check(Path(IMAGE), field="target_media")
report.update(upload_seconds=time.perf_counter() - start, upload_rss_mib=rss_mib(),
              upload_heavy=[name for name in HEAVY if name in sys.modules])
print(json.dumps(report))
""".replace("HEAVY", repr(HEAVY))


def _checkout(commit: str, folder: Path) -> Path:
    archive = folder / "baseline.tar"
    with open(archive, "wb") as handle:
        subprocess.run(["git", "archive", commit], cwd=REPO, stdout=handle, check=True)
    tree = folder / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def _image() -> str:
    data = Path(os.environ.get("ISAMURAI_TESTDATA", REPO / "tests" / "data"))
    return repr(str(data / "images" / "obama.jpg"))


def _start(tree: Path, data_dir: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "isamurai_server.settings", "PYTHONPATH": str(tree),
           "ISAMURAI_DATA_DIR": data_dir}
    env.pop("ISAMURAI_PROCESSOR_MODULES", None)
    script = WEB_START.replace("IMAGE", _image())
    done = subprocess.run([sys.executable, "-c", script], cwd=tree, env=env, capture_output=True, text=True,
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
            summary[name] = {key: statistics.median(r[key] for r in results)
                             for key in ("seconds", "rss_mib", "upload_seconds", "upload_rss_mib")}
            summary[name].update(heavy=results[-1]["heavy"], upload_heavy=results[-1]["upload_heavy"])
            print(f"{name:>24}: start {summary[name]['seconds']:.3f} s, RSS {summary[name]['rss_mib']:.1f} MiB, "
                  f"loads {', '.join(summary[name]['heavy']) or 'none of ' + ', '.join(HEAVY)}")
            print(f"{'':>24}  first image upload check {summary[name]['upload_seconds'] * 1000:.1f} ms, then RSS "
                  f"{summary[name]['upload_rss_mib']:.1f} MiB, loads "
                  f"{', '.join(summary[name]['upload_heavy']) or 'none of ' + ', '.join(HEAVY)}")
        base, this = summary[f"baseline ({BASELINE})"], summary["this tree"]
        print(f"{'this / baseline':>24}: start x{this['seconds'] / base['seconds']:.2f}, "
              f"RSS x{this['rss_mib'] / base['rss_mib']:.2f}; after the first image upload: check "
              f"x{this['upload_seconds'] / base['upload_seconds']:.2f}, RSS "
              f"x{this['upload_rss_mib'] / base['upload_rss_mib']:.2f} ({ROUNDS} rounds, medians)")


if __name__ == "__main__":
    main()
