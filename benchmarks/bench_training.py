"""Benchmark: the quartic engine against the spectral path and the per-prefix reference, side by side in one run.

    python3 benchmarks/bench_training.py                  # paper setting: d=5, T=100, m=10 000
    python3 benchmarks/bench_training.py --json out.json  # also write the numbers
    python3 benchmarks/bench_training.py --m 2000 --reference-epochs 1 --agree-epochs 20   # a shorter run

Measures, on identical data (Gaussian σ = 1, seed 1, init (0.5, 1.5), lr 1e-4 — the paper's gaussian_sigma1):

1. seconds per epoch of the reference (:mod:`mesatheory.model.reference`, the official per-prefix products,
   ``O(m T² d²)``), of the spectral path (:class:`mesatheory.model.SpectralData`, ``O(m T d²)``) and of the
   quartic engine (:class:`mesatheory.model.quartic.QuarticLoss`, ``O((2d)⁶)``), BLAS pinned to one thread;
2. the quartic tables' build time (training set, in its 10 batches; and the test set's last-position tables);
3. one figure (the three initialisations × 150 epochs with the per-epoch test metrics of the reproduction,
   build included) with the quartic engine, against the reference's per-epoch time × 3 × 150 (the reference is
   not run for 450 epochs: that would take hours);
4. agreement: ``ab`` of the quartic and spectral engines over the first ``--agree-epochs`` epochs (relative), and
   the two engines' gradients at the figure's trained point (150 epochs from (0.5, 1.5)).

Ratios are measured in one run, so machine load affects both sides alike (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mesatheory import model as fm
from mesatheory.laws import get_law
from mesatheory.model import loss_and_grad_reference
from mesatheory.reproduce.training import Dataset, RunConfig, train

LAW, LR, A0, B0, FIGURE_EPOCHS = "gaussian:sigma=1", 1e-4, 0.5, 1.5, 150
INITS = ((0.1, 0.1), (0.5, 1.5), (2.0, 2.0))


def _descend(step, d: int, epochs: int) -> tuple[float, np.ndarray]:
    """Seconds per epoch and ``ab`` per epoch of ``epochs`` gradient steps with ``step(P, Q) -> (L, gP, gQ)``."""
    P, Q = fm.diagonal_blocks(d, A0, B0)
    ab = [fm.diagonal_product(P, Q)]
    with fm.single_threaded_blas():
        start = time.perf_counter()
        for _ in range(epochs):
            _, gP, gQ = step(P, Q)
            P -= LR * gP
            Q -= LR * gQ
            ab.append(fm.diagonal_product(P, Q))
        seconds = (time.perf_counter() - start) / max(epochs, 1)
    return seconds, np.array(ab)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--m", type=int, default=10000)
    ap.add_argument("--T", type=int, default=100)
    ap.add_argument("--d", type=int, default=5)
    ap.add_argument("--reference-epochs", type=int, default=2)
    ap.add_argument("--spectral-epochs", type=int, default=10)
    ap.add_argument("--agree-epochs", type=int, default=30, help="epochs of the spectral-vs-quartic ab comparison")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)

    law, d = get_law(LAW), args.d
    print(f"command: python3 benchmarks/bench_training.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; numpy {np.__version__}")
    print(f"setting: {LAW}, d={d}, T={args.T}, m={args.m}, lr={LR}, init ({A0}, {B0}), float64")
    data = Dataset.draw(law, d, args.T, args.m, 10000, 1)
    start = time.perf_counter()
    quartic = data.quartic()
    build = time.perf_counter() - start
    start = time.perf_counter()
    data.last_position_tables()
    build_test = time.perf_counter() - start
    print(f"quartic build  : {build:.2f} s (training tables), {build_test:.2f} s (test last-position tables)")
    spec = data.spectral()
    spec.loss_and_grad(*fm.diagonal_blocks(d, A0, B0))                      # the spectral tables, warm-up
    X = data.train_sequences()
    ref, ab_ref = _descend(lambda P, Q: loss_and_grad_reference(P, Q, X), d, args.reference_epochs)
    sp, ab_sp = _descend(lambda P, Q: spec.loss_and_grad(P, Q), d, max(args.spectral_epochs, args.agree_epochs))
    qu, ab_qu = _descend(quartic.loss_and_grad, d, max(200, args.agree_epochs))
    print(f"per epoch      : reference {ref * 1e3:9.1f} ms | spectral {sp * 1e3:7.1f} ms | quartic {qu * 1e3:6.2f} ms")
    print(f"speed-up       : quartic {ref / qu:8.0f}× the reference, {sp / qu:6.0f}× the spectral path "
          f"(spectral {ref / sp:.0f}× the reference)")
    k = args.reference_epochs
    ref_gap = float(np.max(np.abs(ab_qu[:k + 1] - ab_ref) / np.abs(ab_ref)))
    n = args.agree_epochs
    agree = float(np.max(np.abs(ab_qu[:n + 1] - ab_sp[:n + 1]) / np.abs(ab_sp[:n + 1])))
    print(f"trajectory     : max relative |ab_quartic − ab_spectral| over epochs 0..{n} = {agree:.1e} "
          f"[{'ok' if agree <= 1e-12 else 'FAILS'} ≤ 1e-12]; against the reference over 0..{k}: {ref_gap:.1e}")

    cfgs = [RunConfig(law=LAW, lr=LR, epochs=FIGURE_EPOCHS, a0=a0, b0=b0, d=d, T=args.T, m=args.m, m_test=10000,
                      seed=1) for a0, b0 in INITS]
    start = time.perf_counter()
    results = [train(cfg, data=data) for cfg in cfgs]
    figure = time.perf_counter() - start + build + build_test
    ref_figure = ref * len(INITS) * FIGURE_EPOCHS
    print(f"one figure     : {len(INITS)} inits × {FIGURE_EPOCHS} epochs with test metrics, build included: "
          f"{figure:.1f} s; reference {ref_figure:.0f} s (its per-epoch time × {len(INITS) * FIGURE_EPOCHS}) → "
          f"{ref_figure / figure:.0f}×")
    trained = results[1]
    _, gPs, gQs = spec.loss_and_grad(trained.P, trained.Q)
    _, gPq, gQq = quartic.loss_and_grad(trained.P, trained.Q)
    gs, gq = np.concatenate([gPs.ravel(), gQs.ravel()]), np.concatenate([gPq.ravel(), gQq.ravel()])
    grad_gap = float(np.linalg.norm(gq - gs) / np.linalg.norm(gs))
    print(f"gradient       : at the trained point (ab = {trained.log.ab[-1]:.6f}, ||∇L|| = {np.linalg.norm(gs):.3g}, "
          f"||K2|| = {np.linalg.norm(quartic.lin):.3g}): ||g_quartic − g_spectral|| / ||g_spectral|| = "
          f"{grad_gap:.1e} [{'ok' if grad_gap <= 1e-10 else 'FAILS'} ≤ 1e-10]")
    out = {"m": args.m, "T": args.T, "d": d, "reference_ms_per_epoch": ref * 1e3, "spectral_ms_per_epoch": sp * 1e3,
           "quartic_ms_per_epoch": qu * 1e3, "quartic_build_seconds": build, "test_tables_seconds": build_test,
           "speedup_epoch_vs_reference": ref / qu, "speedup_epoch_vs_spectral": sp / qu,
           "figure_seconds": figure, "reference_figure_seconds": ref_figure, "speedup_figure": ref_figure / figure,
           "trajectory_max_relative_difference": agree, "reference_trajectory_gap": ref_gap,
           "gradient_relative_gap_at_trained_point": grad_gap, "load_average": os.getloadavg()}
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
