"""Benchmark: our training epoch against the reference algorithm (the official code's per-prefix products).

    python3 benchmarks/bench_training.py                  # paper setting: d=5, T=100, m=10 000
    python3 benchmarks/bench_training.py --json out.json  # also write the numbers
    python3 benchmarks/bench_training.py --m 2000 --reference-epochs 2 --run-epochs 50   # a shorter run

Measures, on identical data (Gaussian σ = 1, seed 1, init (0.1, 0.1), lr 1e-4):

1. seconds per epoch of the reference (:mod:`mesatheory.reference`, ``O(m T² d²)``) over a few epochs, with the
   BLAS's default threading (its best setting: large products);
2. seconds per epoch of ours (:class:`mesatheory.fullmodel.SpectralData`, ``O(m T d²)``) with 1 and 2 worker
   threads (BLAS pinned to one thread, our best setting: many tiny products);
3. trajectory agreement: ``ab`` after every reference epoch against ours, relative difference (float64);
4. wall time of a full run of ours (default 200 epochs, with the per-epoch test metrics of the reproduction).

Not a timed test: numbers depend on the machine and its load (the load average is printed).
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

LAW, LR, A0, B0 = "gaussian:sigma=1", 1e-4, 0.1, 0.1


def _ours_per_epoch(data: Dataset, workers: int, epochs: int) -> tuple[float, np.ndarray]:
    spec = data.spectral()
    P, Q = fm.diagonal_blocks(data.x1.shape[1], A0, B0)
    ab = [fm.diagonal_product(P, Q)]
    with fm.single_threaded_blas():
        spec.loss_and_grad(P.copy(), Q.copy(), workers=workers)          # build tables, warm up
        start = time.perf_counter()
        for _ in range(epochs):
            _, gP, gQ = spec.loss_and_grad(P, Q, workers=workers)
            P -= LR * gP
            Q -= LR * gQ
            ab.append(fm.diagonal_product(P, Q))
        seconds = (time.perf_counter() - start) / epochs
    return seconds, np.array(ab)


def _reference_per_epoch(data: Dataset, epochs: int) -> tuple[float, np.ndarray]:
    X = data.train_sequences()
    P, Q = fm.diagonal_blocks(data.x1.shape[1], A0, B0)
    ab = [fm.diagonal_product(P, Q)]
    start = time.perf_counter()
    for _ in range(epochs):
        _, gP, gQ = loss_and_grad_reference(P, Q, X)
        P -= LR * gP
        Q -= LR * gQ
        ab.append(fm.diagonal_product(P, Q))
    return (time.perf_counter() - start) / epochs, np.array(ab)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--m", type=int, default=10000)
    ap.add_argument("--T", type=int, default=100)
    ap.add_argument("--d", type=int, default=5)
    ap.add_argument("--reference-epochs", type=int, default=2)
    ap.add_argument("--ours-epochs", type=int, default=10, help="epochs averaged for our per-epoch time")
    ap.add_argument("--run-epochs", type=int, default=200, help="length of the full run that is timed")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)

    law = get_law(LAW)
    print(f"command: python3 benchmarks/bench_training.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; numpy {np.__version__}")
    print(f"setting: {LAW}, d={args.d}, T={args.T}, m={args.m}, lr={LR}, init ({A0}, {B0}), float64")
    start = time.perf_counter()
    data = Dataset.draw(law, args.d, args.T, args.m, 10000, 1)
    data.spectral().loss_and_grad(*fm.diagonal_blocks(args.d, A0, B0))
    print(f"data + tables: {time.perf_counter() - start:.2f} s")

    ours1, ab1 = _ours_per_epoch(data, 1, args.ours_epochs)
    print(f"ours, 1 worker : {ours1 * 1e3:8.1f} ms/epoch")
    ours2, ab2 = _ours_per_epoch(data, 2, args.ours_epochs)
    print(f"ours, 2 workers: {ours2 * 1e3:8.1f} ms/epoch")
    ref, ab_ref = _reference_per_epoch(data, args.reference_epochs)
    print(f"reference      : {ref * 1e3:8.1f} ms/epoch  ({args.reference_epochs} epochs)")
    k = args.reference_epochs
    agreement = float(np.max(np.abs(ab1[:k + 1] - ab_ref) / np.abs(ab_ref)))
    agreement2 = float(np.max(np.abs(ab2[:k + 1] - ab_ref) / np.abs(ab_ref)))
    print(f"speed-up       : {ref / ours1:6.1f}× (1 worker), {ref / ours2:6.1f}× (2 workers)")
    rng = np.random.default_rng(0)
    P, Q = fm.diagonal_blocks(args.d, A0, B0)
    P, Q = P + 0.05 * rng.standard_normal(P.shape), Q + 0.05 * rng.standard_normal(Q.shape)
    lo, gPo, gQo = data.spectral().loss_and_grad(P, Q)
    lr_, gPr, gQr = loss_and_grad_reference(P, Q, data.train_sequences())
    grad_gap = max(np.abs(gPo - gPr).max() / np.abs(gPr).max(), np.abs(gQo - gQr).max() / np.abs(gQr).max())
    print(f"gradients      : at a random full (off-diagonal) point, max |ours − ref| / max |ref| = {grad_gap:.1e}; "
          f"loss {lo:.10g} vs {lr_:.10g}")
    print(f"trajectory     : max relative |ab_ours − ab_ref| over epochs 0..{k} = {agreement:.1e} (1 worker), "
          f"{agreement2:.1e} (2 workers)  [{'ok' if max(agreement, agreement2) <= 1e-6 else 'FAILS'} ≤ 1e-6]")

    cfg = RunConfig(law=LAW, lr=LR, epochs=args.run_epochs, a0=A0, b0=B0, d=args.d, T=args.T, m=args.m,
                    m_test=10000, seed=1)
    start = time.perf_counter()
    result = train(cfg, data=data, threads=2)
    wall = time.perf_counter() - start
    print(f"full run       : {args.run_epochs} epochs in {wall:.1f} s wall ({result.seconds_per_epoch * 1e3:.1f} "
          f"ms/epoch incl. test metrics; 2 workers); final ab = {result.log.ab[-1]:.6f}")
    out = {"m": args.m, "T": args.T, "d": args.d, "ours_ms_per_epoch_1_worker": ours1 * 1e3,
           "ours_ms_per_epoch_2_workers": ours2 * 1e3, "reference_ms_per_epoch": ref * 1e3,
           "speedup_1_worker": ref / ours1, "speedup_2_workers": ref / ours2,
           "trajectory_max_relative_difference": max(agreement, agreement2), "gradient_relative_gap": grad_gap,
           "reference_epochs": k, "run_epochs": args.run_epochs, "run_wall_seconds": wall,
           "load_average": os.getloadavg()}
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
