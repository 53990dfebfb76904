"""Benchmark: the build of the quartic tables (:func:`mesatheory.model.quartic_build.data_tables`), against another
checkout in the same run.

    python3 benchmarks/bench_build.py                          # this checkout: m = 2000 and 10 000, 3 repeats
    python3 benchmarks/bench_build.py --against /tmp/old       # interleaved with another checkout; median ratio
    python3 benchmarks/bench_build.py --m 2000 --repeats 5

Each repeat builds the tables of Gaussian ``x_1`` (σ = 1, seed 0), ``d = 5``, ``T = 100``, in a fresh process of
each checkout (``PYTHONPATH`` set to it), BLAS pinned to one thread, after a warm-up build of 16 sequences (so
numba's cache load is not timed: it is a per-process cost, see ``benchmarks/bench_reproduce.py``), three builds per
process (their median: a fresh process's first build also pays the page faults of its new heap). Runs alternate
between the checkouts, so both see the same load on a shared machine; the median ratio is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import sys, time, numpy as np
from mesatheory.model.quartic_build import data_tables
from mesatheory.model.spectral import single_threaded_blas
m, d, T = int(sys.argv[1]), 5, 100
rng = np.random.default_rng(0)
x1, theta = rng.standard_normal((m, d)), rng.uniform(0, 2 * np.pi, (m, d))
with single_threaded_blas():
    data_tables(x1[:16], theta[:16], T)
    for _ in range(3):
        start = time.perf_counter()
        data_tables(x1, theta, T)
        print(time.perf_counter() - start)
"""


def build_seconds(checkout: Path, m: int) -> float:
    """Median seconds of three builds of ``m`` sequences in a fresh process of ``checkout``."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    with tempfile.TemporaryDirectory() as tmp:       # not the current folder: `-c` puts it before PYTHONPATH
        out = subprocess.run([sys.executable, "-c", CHILD, str(m)], env=env, cwd=tmp, check=True, capture_output=True,
                             text=True)
    return statistics.median(float(line) for line in out.stdout.split())


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--m", type=int, nargs="+", default=[2000, 10000], help="training sequences per build")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--against", type=Path, default=None, help="another checkout, timed alternately")
    args = ap.parse_args(argv)
    checkouts = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    print(f"command: python3 benchmarks/bench_build.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    result: dict = {}
    for m in args.m:
        times: dict[str, list[float]] = {k: [] for k in checkouts}
        for _ in range(args.repeats):
            for name, path in checkouts.items():
                times[name].append(build_seconds(path, m))
        med = {k: statistics.median(v) for k, v in times.items()}
        line = "  ".join(f"{k} {med[k]:.2f} s ({med[k] / m * 1e3:.2f} ms/seq; {min(v):.2f}–{max(v):.2f})"
                         for k, v in times.items())
        if args.against:
            line += f"  → {med['against'] / med['this']:.2f}× faster"
        print(f"m = {m:6d}: {line}", flush=True)
        result[m] = {"times": times, "median": med}
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return result


if __name__ == "__main__":
    main()
