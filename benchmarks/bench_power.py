"""Benchmark: power of `mesatheory verify` — does it FAIL when the theory or the sampler is wrong?

Measured, at the default budget (d = 5, T = 100, samples = 12288):

(a) exact routes: with the expected product ``ã·b̃`` moved by +1 % (``product_from_kappas`` patched in
    ``mesatheory.claims.base``), the fraction of seeds 0..N-1 for which ``verify("gaussian")`` fails, and which
    claims failed. Goal: 100 %.
(b) the sampled route alone: the fraction of seeds 0..99 in which a 2 % error in the expected product is rejected,
    ``|z(1.02·c*)| > 5`` (the claim's rule), by the phase-averaged estimator exactly as theorem1.monte_carlo draws
    it (a pilot of ``12288·PHASE_AVERAGED_DRAWS`` draws, extended up to ``PHASE_DRAWS_CAP`` to resolve
    ``SAMPLED_RESOLUTION``; seed + 3), for gaussian and laplace; with the median draws, time and relative SE and,
    as a control, how often the true ``c*`` is rejected. Goal: ≥ 95 %. (The sequences branch no longer estimates
    ``c*``: it checks the model against the exact phase averages.)
(c) a gaussian sampler whose scale is off by 5 %: ``verify`` on seeds 0..4 and the claims that failed (expected:
    sampler.moments and theorem1.monte_carlo). Goal: verify fails every time.

Run:  python benchmarks/bench_power.py [--parts abc] [--seeds 50] [--mc-seeds 100] [--bad-seeds 5] [--workers 2]
      [--out /tmp/bench_power.json]
(verify itself uses 2 processes; part (b) runs on a fork pool of --workers processes.)
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import time
from collections import Counter
from unittest.mock import patch

import numpy as np
import sympy

import mesatheory.claims.base
from mesatheory import paper
from mesatheory.laws import get_law
from mesatheory.theory import theorem1_product

verify_module = importlib.import_module("mesatheory.verify")
D, T, SAMPLES = paper.D, paper.T, paper.VERIFY_SAMPLES


def failed_ids(result) -> list[str]:
    return [c.id for c in result.claims if c.passed is False]


def part_a(seeds: int) -> dict:
    """verify('gaussian') with the expected product × 1.01."""
    real = mesatheory.claims.base.product_from_kappas
    rows = []
    with patch("mesatheory.claims.base.product_from_kappas", lambda k, T: real(k, T) * sympy.Rational(101, 100)):
        for seed in range(seeds):
            result = verify_module.verify("gaussian", seed=seed)
            rows.append({"seed": seed, "passed": result.passed, "failed": failed_ids(result)})
    return {"rows": rows, "failed_runs": sum(not r["passed"] for r in rows),
            "claims_failed": dict(Counter(c for r in rows for c in r["failed"]))}


def mc_task(task: tuple[str, int]) -> dict:
    """One (law, seed): the phase-averaged estimator exactly as theorem1.monte_carlo draws it."""
    from mesatheory.routes.montecarlo import phase_averaged_estimate
    spec, seed = task
    least = SAMPLES * paper.PHASE_AVERAGED_DRAWS
    start = time.perf_counter()
    pav = phase_averaged_estimate(get_law(spec), D, T, least, seed + 3, max(least, paper.PHASE_DRAWS_CAP))
    c = float(theorem1_product(spec, D, T))
    return {"spec": spec, "seed": seed, "value": pav.value, "se": pav.se, "draws": pav.n,
            "z_true": pav.z(c), "z_2pct": pav.z(1.02 * c), "seconds": time.perf_counter() - start}


def part_b(specs: list[str], seeds: int, workers: int) -> dict:
    """Rejection of c* × 1.02 (and, as a control, of c*) at |z| > Z_BAND, the claim's own rule."""
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        rows = pool.map(mc_task, [(s, seed) for s in specs for seed in range(seeds)], chunksize=1)
    out = {}
    for spec in specs:
        mine = [r for r in rows if r["spec"] == spec]
        out[spec] = {
            "n": len(mine),
            "reject_2pct": float(np.mean([abs(r["z_2pct"]) > paper.Z_BAND for r in mine])),
            "reject_true": float(np.mean([abs(r["z_true"]) > paper.Z_BAND for r in mine])),
            "median_relative_se": float(np.median([r["se"] / abs(r["value"]) for r in mine])),
            "median_draws": float(np.median([r["draws"] for r in mine])),
            "median_seconds": float(np.median([r["seconds"] for r in mine])), "rows": mine}
    return out


def part_c(seeds: int) -> dict:
    """verify on a gaussian law whose sampler draws 1.05 × N(0, 1)."""
    import sympy.stats as st

    from mesatheory.laws.base import IIDLaw
    law = IIDLaw(name="gaussian_bad_sampler", params={}, rv=st.Normal("x", 0, 1),
                 sampler=lambda rng, n, d: 1.05 * rng.standard_normal((n, d)))
    rows = []
    for seed in range(seeds):
        result = verify_module.verify(law, seed=seed)
        rows.append({"seed": seed, "passed": result.passed, "failed": failed_ids(result)})
    return {"rows": rows, "failed_runs": sum(not r["passed"] for r in rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="seeds of part (a)")
    parser.add_argument("--mc-seeds", type=int, default=100, help="seeds of part (b)")
    parser.add_argument("--bad-seeds", type=int, default=5, help="seeds of part (c)")
    parser.add_argument("--laws", default="gaussian,laplace", help="laws of part (b)")
    parser.add_argument("--workers", type=int, default=2, help="processes of part (b)")
    parser.add_argument("--parts", default="abc", help="which parts to run (default: all three)")
    parser.add_argument("--out", default="/tmp/bench_power.json")
    args = parser.parse_args()
    report, times = {}, {}
    if "a" in args.parts:
        part_a_report(args, report, times)
    if "b" in args.parts:
        part_b_report(args, report, times)
    if "c" in args.parts:
        part_c_report(args, report, times)
    report["wall_s"] = times
    with open(args.out, "w") as fh:
        json.dump(report, fh, indent=1)
    print(f"\nraw numbers: {args.out}")


def part_a_report(args: argparse.Namespace, report: dict, times: dict) -> None:
    """Run and print part (a)."""
    start = time.perf_counter()
    report["a"] = a = part_a(args.seeds)
    times["a"] = time.perf_counter() - start
    print(f"(a) verify('gaussian') with ã·b̃ × 1.01, seeds 0..{args.seeds - 1}  [target: fails 100 %]  "
          f"({times['a']:.0f} s)")
    print(f"    verify failed on {a['failed_runs']}/{args.seeds} seeds "
          f"({100 * a['failed_runs'] / args.seeds:.0f} %)")
    for cid, n in sorted(a["claims_failed"].items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"      {cid:<28} failed on {n:>3}/{args.seeds} seeds")
    passing = [r["seed"] for r in a["rows"] if r["passed"]]
    if passing:
        print(f"    seeds where verify passed: {passing}")


def part_b_report(args: argparse.Namespace, report: dict, times: dict) -> None:
    """Run and print part (b)."""
    start = time.perf_counter()
    report["b"] = b = part_b(args.laws.split(","), args.mc_seeds, args.workers)
    times["b"] = time.perf_counter() - start
    print(f"\n(b) sampled route alone: reject c*×1.02 at |z(1.02c*)| > 5, seeds 0..{args.mc_seeds - 1}  "
          f"[target ≥ 95 %]  ({times['b']:.0f} s)")
    print(f"    {'law':<22}{'median draws':>14}{'median s':>10}{'median rel SE':>15}{'reject 2 %':>12}"
          f"{'reject c* (ctrl)':>18}")
    for key, r in b.items():
        print(f"    {key:<22}{r['median_draws']:>14.0f}{r['median_seconds']:>10.2f}"
              f"{100 * r['median_relative_se']:>14.3f}%{100 * r['reject_2pct']:>11.0f}%"
              f"{100 * r['reject_true']:>17.0f}%")


def part_c_report(args: argparse.Namespace, report: dict, times: dict) -> None:
    """Run and print part (c)."""
    start = time.perf_counter()
    report["c"] = c = part_c(args.bad_seeds)
    times["c"] = time.perf_counter() - start
    print(f"\n(c) gaussian with sampler 1.05·N(0,1), seeds 0..{args.bad_seeds - 1}  [target: fails every time]  "
          f"({times['c']:.0f} s)")
    for r in c["rows"]:
        print(f"    seed {r['seed']}: passed={r['passed']}  failed: {', '.join(r['failed']) or '-'}")
    print(f"    verify failed on {c['failed_runs']}/{args.bad_seeds} seeds")


if __name__ == "__main__":
    main()
