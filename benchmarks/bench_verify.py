"""Benchmark: wall time (including imports) of `mesatheory verify` at the paper's setting, and its sampled SE.

Run:  python benchmarks/bench_verify.py [--repeats 5] [--dist gaussian --dist full_one]

Goals: `verify --dist gaussian` ≤ 5 s and `verify --dist full_one` ≤ 15 s wall-clock on 2 cores, every claim decided
at d = 5, T = 100 (the exact routes applicable). Each run is a fresh process (`python -m mesatheory.cli`), so the
times include Python's start-up and every import.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dist", action="append", help="law spec (repeatable; default gaussian and full_one)")
    args = parser.parse_args()
    for spec in args.dist or ["gaussian", "full_one"]:
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "mesatheory.cli", "verify", "--dist", spec, "--json"],
                                  capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
        data = json.loads(done.stdout)
        claims = {c["id"]: c for c in data["claims"]}
        undecided = [cid for cid, c in claims.items() if c["passed"] is None and cid != "assumption2"]
        mc = claims["theorem1.monte_carlo"]
        rse = f"{100 * mc['evidence']['relative_se']:.3f} %" if mc["passed"] is not None else "n/a"
        print(f"verify --dist {spec} (d=5, T=100, {data['samples']} samples, seed {data['seed']}): "
              f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s over "
              f"{args.repeats} runs; exit {done.returncode}; {data['decided']} claims decided, n/a: "
              f"{', '.join(undecided) or 'none'}; Monte-Carlo relative SE {rse}")


if __name__ == "__main__":
    main()
