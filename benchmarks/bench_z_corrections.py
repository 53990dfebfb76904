"""Benchmark: which z-score of the Monte-Carlo minimiser E[N]/E[D] is calibrated for heavy-tailed x_1.

On the draws `verify` uses (d = 5, T = 100; phase-averaged: 12288 × 32 draws of x_1; sequences: 12288 sequences),
for seeds 0..N-1 it computes, against the exact ã·b̃, the z-scores of:

* delta — (ĉ − c)/SE, the delta-method SE (what verify used before the skewness correction);
* fieller — mean(N − c D)/SE, the linear statistic at the true c;
* crossfit — each half's mean over the other half's SE, averaged (mean exactly 0, SE noisier);
* johnson, hall — Johnson's (1978) and Hall's (1992) skewness-corrected t (on the Fieller statistic);
* shift — delta + γ̂/(2√n), the Studentised mean's Edgeworth bias removed (what verify uses now).

Goal: |mean z| ≤ 0.15 and sd(z) in [0.85, 1.15].

Run:  python benchmarks/bench_z_corrections.py [--laws laplace,exponential_centered] [--kind pav|seq] [--seeds 200]
"""

from __future__ import annotations

import argparse

import numpy as np

from mesatheory.laws import get_law
from mesatheory.routes.montecarlo import phase_averaged_draws, ratio_estimate, sample_statistics
from mesatheory.theory import theorem1_product

NAMES = ["delta", "fieller", "crossfit", "johnson", "hall", "shift"]


def z_scores(N: np.ndarray, D: np.ndarray, c0: float) -> list[float]:
    est = ratio_estimate(N, D)
    n = len(N)
    root = np.sqrt(n)
    Y = N - c0 * D
    h = n // 2
    A, B = Y[:h], Y[h:2 * h]
    se_a, se_b = A.std(ddof=1) / np.sqrt(h), B.std(ddof=1) / np.sqrt(h)
    t = Y.mean() / (Y.std(ddof=1) / root)
    g = np.mean((Y - Y.mean()) ** 3) / Y.std() ** 3
    johnson = t + g / (6 * root) + g * t * t / (3 * root)
    hall = johnson + g * g * t**3 / (27 * n)
    delta = (est.value - c0) / est.se
    return [delta, t, (A.mean() / se_b + B.mean() / se_a) / np.sqrt(2), johnson, hall, est.z(c0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laws", default="laplace,exponential_centered,student_t")
    parser.add_argument("--kind", choices=["pav", "seq"], default="pav")
    parser.add_argument("--seeds", type=int, default=200)
    args = parser.parse_args()
    for spec in args.laws.split(","):
        law = get_law(spec)
        c0 = float(theorem1_product(law, d=5, T=100))
        rows = []
        for seed in range(args.seeds):
            if args.kind == "pav":
                N, D = phase_averaged_draws(law, 5, 100, 12288 * 32, seed + 3, lambda y, N, D: [N, D]).T
            else:
                _, N, D = sample_statistics(law, 5, 100, 12288, seed)
            rows.append(z_scores(N, D, c0))
        z = np.array(rows)
        for i, name in enumerate(NAMES):
            print(f"{spec:<22}{args.kind:<5}{name:<10}mean {z[:, i].mean():+.3f}  sd {z[:, i].std(ddof=1):.3f}  "
                  f"max|z| {np.abs(z[:, i]).max():.2f}")


if __name__ == "__main__":
    main()
