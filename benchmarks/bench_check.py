"""Benchmark: `mesatheory check checks/paper-claims.toml --quick` on this machine (joblib) and on a Dask LocalCluster.

Run:  python benchmarks/bench_check.py [--jobs 2] [--workers 2]

Both runs happen in this one process, one after the other, so their ratio is measured under the same load. The
Dask time includes starting the LocalCluster (its worker processes); the results of the two runs must be equal.
Goal: the Dask path costs at most the cluster's start-up more than the local one.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from distributed import LocalCluster

from mesatheory.suite import load_suite, run_suite

SUITE = Path(__file__).resolve().parents[1] / "checks" / "paper-claims.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    suite = load_suite(SUITE, quick=True)
    start = time.perf_counter()
    local = run_suite(suite, n_jobs=args.jobs, progress=False)
    t_local = time.perf_counter() - start
    start = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        t_up = time.perf_counter() - start
        dask = run_suite(suite, scheduler=c.scheduler_address, progress=False)
    t_dask = time.perf_counter() - start
    assert dask.to_dict() == local.to_dict(), "the Dask run differs from the local one"
    print(f"{len(suite.jobs)} jobs: joblib ({args.jobs} processes) {t_local:.1f} s; Dask LocalCluster "
          f"({args.workers} workers) {t_dask:.1f} s including {t_up:.1f} s start-up; ratio {t_dask / t_local:.2f}; "
          "results identical")


if __name__ == "__main__":
    main()
