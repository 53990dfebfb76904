"""Benchmark: wall time of ``mesatheory reproduce``, against another checkout in the same run; and the linearised
jackknife against the replicate one.

    python3 benchmarks/bench_reproduce.py --quick                         # this checkout, 3 runs of --quick
    python3 benchmarks/bench_reproduce.py --quick --against /tmp/main13   # interleaved with another checkout
    python3 benchmarks/bench_reproduce.py --full --repeats 2              # reproduce all at full size
    python3 benchmarks/bench_reproduce.py --jackknife                     # linearised vs replicate SE
    python3 benchmarks/bench_reproduce.py --jackknife --seeds 17          # ... and the true spread over 17 seeds

**Wall time.** Each repeat runs ``reproduce all [--quick]`` as a fresh process (``python -c 'from mesatheory.cli
import main; …'`` with ``PYTHONPATH`` set to the checkout, so the numba cache and imports are paid as a user pays
them), alternating between this checkout and ``--against`` when given, so that both see the same load on a shared
machine. It prints every wall time and CPU time, the load average before and after, whether the summary passed,
and the median ratios. (The CPU time is ``RUSAGE_CHILDREN``: it counts the workers when they are forked from the
timed process, as on Linux, and not a ``forkserver``'s children.) Speed goals live here, not in timed unit tests.

**Jackknife.** For the runs whose verdict uses the jackknife (unmasked full-one, the random starts) at the quick
and the full size: :func:`mesatheory.reproduce.jackknife.jackknife_se` (one adjoint pass) against
:func:`~mesatheory.reproduce.jackknife.replicate_jackknife_se` (``B`` retrainings), with their times; with
``--seeds`` also the standard deviation of the trained ``ab`` over independent training sets, which both estimate.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLI = "import sys; from mesatheory.cli import main; sys.exit(main())"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def time_reproduce(checkout: Path, quick: bool) -> tuple[float, float, bool]:
    """Wall and CPU seconds of one ``reproduce all`` in a fresh process, and whether its summary passed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-c", CLI, "reproduce", "all", "--out", str(out)] + (["--quick"] if quick else [])
        env = dict(os.environ, PYTHONPATH=str(checkout))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        passed = bool(json.loads((out / "summary.json").read_text())["passed"])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, passed


def wall_times(args: argparse.Namespace) -> dict:
    """Interleaved wall times of this checkout and ``args.against``."""
    checkouts = {"this": ROOT} | ({"against": Path(args.against).resolve()} if args.against else {})
    times: dict[str, list[float]] = {k: [] for k in checkouts}
    cpus: dict[str, list[float]] = {k: [] for k in checkouts}
    print(f"reproduce all{' --quick' if args.quick else ''}; load average before: {_load()}")
    for r in range(args.repeats):
        for name, path in checkouts.items():
            seconds, cpu, passed = time_reproduce(path, args.quick)
            times[name].append(seconds)
            cpus[name].append(cpu)
            print(f"  repeat {r + 1} {name:8s} ({path}): {seconds:6.1f} s wall, {cpu:5.1f} s CPU  passed={passed}  "
                  f"load {_load()}", flush=True)
    result = {"quick": args.quick, "times": times, "cpu": cpus, "load_after": _load()}
    if args.against:
        result["ratio_median"] = statistics.median(times["against"]) / statistics.median(times["this"])
        this, other = statistics.median(times["this"]), statistics.median(times["against"])
        c_this, c_other = statistics.median(cpus["this"]), statistics.median(cpus["against"])
        print(f"median: this {this:.1f} s ({c_this:.1f} s CPU), against {other:.1f} s ({c_other:.1f} s CPU) → "
              f"{result['ratio_median']:.2f}× faster, {c_other / c_this:.2f}× less CPU")
    return result


def jackknife_agreement() -> list[dict]:
    """The linearised and the replicate jackknife SE on the runs that use it, quick and full size."""
    from mesatheory.model.spectral import single_threaded_blas
    from mesatheory.reproduce.jackknife import jackknife_se, replicate_jackknife_se
    from mesatheory.reproduce.presets import load_presets, preset_law
    from mesatheory.reproduce.runner import figure_runs
    from mesatheory.reproduce.training import Dataset

    presets, rows = load_presets(), []
    for quick in (True, False):
        for name in ("full_one", "random_init"):
            for cfg in figure_runs(presets.figure(name), presets, quick=quick):
                if not cfg.jackknife:
                    continue
                data = Dataset.draw(preset_law(cfg.law), cfg.d, cfg.T, cfg.m, 1, cfg.seed)
                data.quartic()
                with single_threaded_blas():
                    t0 = time.perf_counter()
                    linear = jackknife_se(data, cfg)
                    t1 = time.perf_counter()
                    replicate = replicate_jackknife_se(data, cfg)
                    t2 = time.perf_counter()
                rows.append({"figure": name, "quick": quick, "m": cfg.m, "epochs": cfg.epochs,
                             "start": (cfg.init_seed if cfg.init_sigma > 0 else (cfg.a0, cfg.b0)),
                             "linear": linear, "replicate": replicate, "relative": linear / replicate - 1,
                             "linear_s": t1 - t0, "replicate_s": t2 - t1})
                r = rows[-1]
                print(f"{name:12s} m={cfg.m:5d} start={r['start']!s:12s} linear {linear:.5g} ({r['linear_s']:.2f} s)"
                      f"  replicate {replicate:.5g} ({r['replicate_s']:.2f} s)  {100 * r['relative']:+.1f} %",
                      flush=True)
    return rows


def jackknife_against_seeds(seeds: int) -> list[dict]:
    """The spread of the trained ``ab`` over independent training sets (seeds ``1..seeds``) beside both jackknife SEs.

    The quick-size unmasked full-one run and random start (Gaussian σ = 1, σ_w = 0.1, init seed 1, 300 epochs) on
    ``seeds`` training sets: the standard deviation of their final ``ab`` is what an SE estimates.
    """
    import numpy as np

    from mesatheory.model.spectral import single_threaded_blas
    from mesatheory.reproduce.jackknife import jackknife_se, replicate_jackknife_se
    from mesatheory.reproduce.presets import load_presets, preset_law
    from mesatheory.reproduce.runner import figure_runs
    from mesatheory.reproduce.training import Dataset, train

    presets, rows = load_presets(), []
    for name in ("full_one", "random_init"):
        cfg0 = next(c for c in figure_runs(presets.figure(name), presets, quick=True) if c.jackknife)
        ab, linear, replicate = [], [], []
        for seed in range(1, seeds + 1):
            cfg = dataclasses.replace(cfg0, seed=seed, m_test=1)
            data = Dataset.draw(preset_law(cfg.law), cfg.d, cfg.T, cfg.m, 1, seed)
            with single_threaded_blas():
                ab.append(float(train(cfg, data=data).log.ab[-1]))
                linear.append(jackknife_se(data, cfg))
                replicate.append(replicate_jackknife_se(data, cfg))
        sd = float(np.std(ab, ddof=1))
        rows.append({"figure": name, "seeds": seeds, "sd": sd, "sd_se": sd / np.sqrt(2 * (seeds - 1)),
                     "linear_rms": float(np.sqrt(np.mean(np.square(linear)))),
                     "replicate_rms": float(np.sqrt(np.mean(np.square(replicate))))})
        r = rows[-1]
        print(f"{name:12s} SD of ab over {seeds} training sets {sd:.4g} ± {r['sd_se']:.2g}; rms SE: linearised "
              f"{r['linear_rms']:.4g}, replicate {r['replicate_rms']:.4g}", flush=True)
    return rows


def main() -> None:
    """Run the chosen measurements and optionally write them as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="time reproduce all --quick (default)")
    size.add_argument("--full", action="store_true", help="time reproduce all at full size")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--against", help="another checkout (e.g. a worktree of main) timed interleaved with this one")
    ap.add_argument("--jackknife", action="store_true", help="compare the linearised and replicate jackknife instead")
    ap.add_argument("--seeds", type=int, default=0,
                    help="with --jackknife: also the SD of ab over this many training sets (≈ 25 s each)")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    args.quick = not args.full
    if args.jackknife:
        result: dict = {"jackknife": jackknife_agreement()}
        if args.seeds > 1:
            result["seeds"] = jackknife_against_seeds(args.seeds)
    else:
        result = wall_times(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
