"""Benchmark: wall time (including imports) and relative SE of `mesatheory verify --dist gaussian`.

Run:  python benchmarks/bench_verify.py [--repeats 5]
Goal (issue 2): relative standard error ≤ 0.3 % and ≤ 5 s wall-clock on 2 cores.
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
    parser.add_argument("--dist", default="gaussian")
    args = parser.parse_args()
    times, rse = [], None
    for _ in range(args.repeats):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "mesatheory.cli", "verify", "--dist", args.dist, "--json"],
                              capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        data = json.loads(done.stdout)
        mc = next(c for c in data["claims"] if c["id"] == "theorem1.monte_carlo")
        rse = mc["evidence"]["relative_se"]
    print(f"verify --dist {args.dist} (defaults: d=5, T=100, {data['samples']} samples, seed {data['seed']})")
    print(f"  wall time over {args.repeats} runs: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s")
    print(f"  Monte-Carlo relative SE: {100 * rse:.3f} %   exit status {done.returncode}")


if __name__ == "__main__":
    main()
