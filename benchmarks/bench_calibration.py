"""Benchmark: calibration of every sampled branch of `mesatheory verify` at the default budget.

Measured: for each built-in law whose estimators have finite variance and each seed 0..N-1, the z-scores
(estimate − theory)/SE reported by the sampled claim checks at d = 5, T = 100, samples = 12288:

* theorem1.monte_carlo — phase-averaged estimator (``z``) and the sequences' two phase residuals
  (``residual_z_N``, ``residual_z_D``);
* theorem2.ratio, theorem2.limit, recovery.finite_T, recovery.condition — the sampled branch (``z``);
* sampler.moments — the largest |z| over the compared moments (``max_abs_z``; not a signed z).

Per law and statistic it prints mean z, sd(z), max |z|, #seeds with |z| > 5, and the number of seeds in which
any of these claims returned ``passed is False`` (a false FAIL, since every law here satisfies the theory).

Goal: sd(z) in [0.85, 1.15], |mean z| ≤ 0.15, no false FAIL. Estimators whose SE is 0 or at float-rounding
level (< 1e-12;
e.g. for sparse and rademacher) are flagged "SE=0" and are not evidence of calibration.

Run:  python benchmarks/bench_calibration.py [--seeds 200] [--laws gaussian,laplace] [--workers 2]
      [--out /tmp/bench_calibration.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time

#: an SE below this (quantities are O(1)) is float rounding, not sampling noise: its z is meaningless
SE_FLOOR = 1e-12
LAWS = ["gaussian", "uniform", "laplace", "rademacher", "student_t", "exponential_centered", "sparse"]
#: statistic name -> (claim id, evidence key of z, evidence key of SE or None)
STATS = {
    "mc_phase": ("theorem1.monte_carlo", "z", "se"),
    "mc_resid_N": ("theorem1.monte_carlo", "residual_z_N", "residual_se_N"),
    "mc_resid_D": ("theorem1.monte_carlo", "residual_z_D", "residual_se_D"),
    "t2_ratio": ("theorem2.ratio", "z", "se"),
    "t2_limit": ("theorem2.limit", "z", "limit_predictor_se"),
    "rec_finite_T": ("recovery.finite_T", "z", "se"),
    "rec_condition": ("recovery.condition", "z", "se"),
    "sampler_max|z|": ("sampler.moments", "max_abs_z", None),
}


def run_one(task: tuple[str, int]) -> dict:
    """One (law spec, seed): the z-scores, SEs and verdicts of the sampled claims."""
    from mesatheory.claims.base import Setting
    from mesatheory.claims.recovery import check_recovery_condition, check_recovery_finite_T
    from mesatheory.claims.sampler import check_sampler
    from mesatheory.claims.theorem1 import check_monte_carlo
    from mesatheory.claims.theorem2 import check_limit, check_ratio
    from mesatheory.laws import get_law

    spec, seed = task
    s = Setting(get_law(spec), seed=seed)
    verdicts = {v.id: v for v in (check(s) for check in (check_monte_carlo, check_ratio, check_limit,
                                                          check_recovery_finite_T, check_recovery_condition,
                                                          check_sampler))}
    row: dict = {"spec": spec, "seed": seed, "passed": {k: v.passed for k, v in verdicts.items()}}
    mc = verdicts["theorem1.monte_carlo"]
    row["mc"] = {"measured": mc.measured, "expected": mc.expected, "se": mc.evidence.get("se"),
                 "relative_se": mc.evidence.get("relative_se")}
    for name, (cid, zkey, sekey) in STATS.items():
        ev = verdicts[cid].evidence
        row[name] = {"z": ev.get(zkey), "se": ev.get(sekey) if sekey else None}
    return row


def summarise(rows: list[dict]) -> dict:
    """Per statistic: n, mean z, sd z, max |z|, #|z| > 5, whether the SE was always 0 (below ``SE_FLOOR``)."""
    out = {}
    for name, (_, _, sekey) in STATS.items():
        zs = [r[name]["z"] for r in rows if r[name]["z"] is not None]
        if not zs:
            out[name] = None
            continue
        ses = [r[name]["se"] for r in rows if r[name]["z"] is not None]
        out[name] = {"n": len(zs), "mean": statistics.fmean(zs), "sd": statistics.stdev(zs) if len(zs) > 1 else 0.0,
                     "max_abs": max(abs(z) for z in zs), "over5": sum(abs(z) > 5 for z in zs),
                     "se_zero": sekey is not None and all(se < SE_FLOOR for se in ses)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--laws", default=",".join(LAWS), help="comma-separated law specs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="/tmp/bench_calibration.json")
    args = parser.parse_args()
    specs = args.laws.split(",")
    tasks = [(spec, seed) for spec in specs for seed in range(args.seeds)]
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        rows = pool.map(run_one, tasks, chunksize=1)
    wall = time.perf_counter() - start

    print(f"calibration of verify's sampled branches: d=5, T=100, samples=12288, seeds 0..{args.seeds - 1}, "
          f"{args.workers} workers, {wall:.0f} s")
    print("targets: sd(z) in [0.85, 1.15], |mean z| <= 0.15, #|z|>5 = 0, false FAIL = 0")
    print(f"{'law':<22}{'statistic':<16}{'n':>5}{'mean z':>9}{'sd z':>8}{'max|z|':>8}{'#>5':>5}  note")
    report = {"seeds": args.seeds, "wall_s": wall, "laws": {}}
    for spec in specs:
        mine = [r for r in rows if r["spec"] == spec]
        summary = summarise(mine)
        fails = {cid: sum(r["passed"].get(cid) is False for r in mine) for cid in mine[0]["passed"]}
        false_fail = sum(any(p is False for p in r["passed"].values()) for r in mine)
        rse = statistics.median(r["mc"]["relative_se"] for r in mine)
        for name, sm in summary.items():
            if sm is None:
                print(f"{spec:<22}{name:<16}{'n/a (sampled branch not applicable)':>35}")
                continue
            if sm["se_zero"]:
                note = "SE=0 (or rounding-level): z not meaningful, not calibration evidence"
            elif name.startswith("sampler"):
                note = "max over moments (not a z)"
            else:
                ok = 0.85 <= sm["sd"] <= 1.15 and abs(sm["mean"]) <= 0.15 and sm["over5"] == 0
                note = "ok" if ok else "OFF TARGET"
            print(f"{spec:<22}{name:<16}{sm['n']:>5}{sm['mean']:>+9.3f}{sm['sd']:>8.3f}{sm['max_abs']:>8.2f}"
                  f"{sm['over5']:>5}  {note}")
        failed = ", ".join(f"{k}×{v}" for k, v in fails.items() if v) or "-"
        print(f"{spec:<22}{'false FAIL':<16}{false_fail:>5} of {len(mine)} seeds ({failed}); "
              f"median MC relative SE {100 * rse:.3f} %")
        report["laws"][spec] = {"summary": summary, "false_fail_seeds": false_fail, "fails_by_claim": fails,
                                "median_relative_se": rse, "rows": mine}
    with open(args.out, "w") as fh:
        json.dump(report, fh, indent=1)
    print(f"raw numbers: {args.out}")


if __name__ == "__main__":
    main()
