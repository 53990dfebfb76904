"""Benchmark: wall time (including imports) of `mesatheory verify` at the paper's setting, and its sampled SE.

Run:  python benchmarks/bench_verify.py [--repeats 5] [--dist gaussian --dist full_one] [--against /tmp/old]

Goals: `verify --dist gaussian` ≤ 5 s and `verify --dist full_one` ≤ 15 s wall-clock on 2 cores, every claim decided
at d = 5, T = 100 (the exact routes applicable). Each run is a fresh process (`python -m mesatheory.cli`, with
``PYTHONPATH`` set to the checkout), so the times include Python's start-up and every import. With ``--against``
another checkout (``git worktree add --detach /tmp/old <rev>``) runs alternately with this one, so that both see the
same load on a shared machine, and the median ratio is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(checkout: Path, spec: str) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds of one ``verify --dist spec --json`` in a fresh process, and the finished process."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mesatheory.cli", "verify", "--dist", spec, "--json"],
                          capture_output=True, text=True, check=False, cwd=checkout, env=env)
    return time.perf_counter() - start, done


def describe(spec: str, done: subprocess.CompletedProcess) -> str:
    """The run's exit status, decided claims, undecided ones and the Monte-Carlo relative SE."""
    data = json.loads(done.stdout)
    claims = {c["id"]: c for c in data["claims"]}
    undecided = [cid for cid, c in claims.items() if c["passed"] is None and cid != "assumption2"]
    mc = claims["theorem1.monte_carlo"]
    rse = f"{100 * mc['evidence']['relative_se']:.3f} %" if mc["passed"] is not None else "n/a"
    return (f"d=5, T=100, {data['samples']} samples, seed {data['seed']}; exit {done.returncode}; "
            f"{data['decided']} claims decided, n/a: {', '.join(undecided) or 'none'}; Monte-Carlo relative SE {rse}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dist", action="append", help="law spec (repeatable; default gaussian and full_one)")
    parser.add_argument("--against", type=Path, help="another checkout, timed alternately with this one")
    args = parser.parse_args()
    checkouts = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for spec in args.dist or ["gaussian", "full_one"]:
        times: dict[str, list[float]] = {name: [] for name in checkouts}
        last = {}
        for _ in range(args.repeats):
            for name, path in checkouts.items():
                seconds, last[name] = one_run(path, spec)
                times[name].append(seconds)
        for name in checkouts:
            t = times[name]
            print(f"verify --dist {spec} [{name}]: median {statistics.median(t):.2f} s, min {min(t):.2f} s, "
                  f"max {max(t):.2f} s over {args.repeats} runs; {describe(spec, last[name])}")
        if args.against:
            ratio = statistics.median(times["this"]) / statistics.median(times["against"])
            print(f"verify --dist {spec}: this / against = {ratio:.2f} (medians, interleaved runs)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
