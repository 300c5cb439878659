"""Run the benchmarks: ``python -m bench`` runs every one in turn, each in its own process;
``python -m bench --list`` names them; ``python -m bench video_io interpolation`` runs those.

Each bench measures against a baseline in the same run and prints ratios (see its docstring).
A bench whose reference implementation isn't installed (``requirements-bench.txt``) is reported
and left out, not failed.
"""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Bench:
    name: str  # what to type: video_io, faceswap, job_latency, ...
    module: str  # bench.bench_video_io
    summary: str  # the first line of its docstring
    needs: tuple[str, ...] = ()  # importable modules it needs beyond requirements.txt


# Reference implementations some benches compare against (requirements-bench.txt).
EXTRA_NEEDS = {"faceswap": ("insightface",), "cluster": ("moto",)}


def benches() -> list[Bench]:
    found = []
    for path in sorted(BENCH_DIR.glob("*.py")):
        stem = path.stem
        if stem.startswith("_") or not (stem.startswith("bench_") or stem == "job_latency"):
            continue
        name = stem.removeprefix("bench_")
        text = path.read_text()
        summary = text.split('"""', 2)[1].strip().splitlines()[0] if text.startswith('"""') else ""
        found.append(Bench(name, f"bench.{stem}", summary, EXTRA_NEEDS.get(name, ())))
    return found


def missing_needs(bench: Bench) -> list[str]:
    return [module for module in bench.needs if importlib.util.find_spec(module) is None]


def main(argv: list[str] | None = None) -> int:
    available = {bench.name: bench for bench in benches()}
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benches to run (default: all): {', '.join(available)}")
    parser.add_argument("--list", action="store_true", help="list the benches and exit")
    args = parser.parse_args(argv)
    if args.list:
        for bench in available.values():
            extra = f"  [needs {', '.join(bench.needs)}]" if bench.needs else ""
            print(f"{bench.name:<14} {bench.summary}{extra}")
        return 0
    unknown = [name for name in args.names if name not in available]
    if unknown:
        parser.error(f"no bench named {', '.join(unknown)}; choose from {', '.join(available)}")
    failed, left_out = [], []
    for bench in [available[name] for name in args.names] or list(available.values()):
        missing = missing_needs(bench)
        if missing:
            print(f"== {bench.name}: left out, needs {', '.join(missing)} (pip install -r requirements-bench.txt)")
            left_out.append(bench.name)
            continue
        print(f"== {bench.name}: python -m {bench.module}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", bench.module], cwd=BENCH_DIR.parent)
        print(f"== {bench.name}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code:
            failed.append(bench.name)
    if left_out:
        print(f"left out (missing reference code): {', '.join(left_out)}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
