"""``mesatheory reproduce``: the paper's simulations (docs/paper.md §5), checked against the exact theory.

For every figure of ``checks/paper.toml`` the runs (three initialisations; full-one with and without masking) are
trained with :func:`mesatheory.reproduce.training.train` on one shared dataset (whole runs spread over worker
processes by :func:`mesatheory.reproduce.scheduling.train_runs`), and the figure directory receives PNG plots,
``data.json`` (per-epoch series of every run, final matrices, summary rows). ``summary.md`` / ``summary.json`` in
the output directory collect one row per run:

* the trained ``ab`` after the last epoch;
* the noise-free GD prediction at that epoch (the reduced discrete map with the law's exact κ's, same learning
  rate and start) with the run's **own standard error** — the delta method on the training set's per-coordinate
  statistics ``(N̄_j, D̄_j)`` (:mod:`mesatheory.theory.gd_curve`); at convergence it is, to first order, the SE of the
  empirical minimiser ``N̄/D̄``;
* the run's **noise-free twin** (:mod:`mesatheory.reproduce.twin`): gradient descent with the same learning rate,
  start and mask on the exact population loss over every entry. Under Assumption 2 it equals the reduced map; for
  the unmasked full-one runs (Assumption 2 fails, the weights leave the diagonal) it is the theory, with the
  run's jackknife SE over the training set's batches;
* ``z = (trained - predicted)/SE``; the exact finite-``T`` product ``ã·b̃`` of Theorem 1; the ``T → ∞`` line the
  paper plotted (never labelled exact); the empirical diagonal minimiser ``N̄/D̄ ± SE`` of the same training set.

When a run passes is :mod:`mesatheory.reproduce.summary`'s rule. Files are written atomically.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict
from functools import partial
from pathlib import Path

import numpy as np

from .._io import Progress, staged_folder, to_json, write_text
from ..errors import DivergenceError
from ..laws import decide_assumption2, kappas
from ..theory import gd_prediction, product_from_kappas
from .presets import Figure, Presets, load_presets, preset_law
from .scheduling import start_workers, train_runs
from .summary import RunRow, ratio_companions, ratio_se, summary_markdown, summary_row
from .training import Dataset, RunConfig, TrainResult
from .twin import noise_free_twin


def list_figures(presets: Presets | None = None) -> list[tuple[str, str]]:
    """``(name, description)`` of every figure, in the order of ``checks/paper.toml``.

    Args:
        presets: the presets (default: :func:`mesatheory.reproduce.presets.load_presets`).

    Returns:
        One pair per figure.

    Raises:
        PresetError: the presets file is missing or malformed.
    """
    presets = presets or load_presets()
    return [(f.name, f.description) for f in presets.figures]


def figure_runs(fig: Figure, presets: Presets, quick: bool = False, official: bool = False) -> list[RunConfig]:
    """The runs of one figure: every mask × initialisation, on the figure's law and one shared dataset.

    Args:
        fig: the figure.
        presets: the sizes, seed and initialisations.
        quick: use the quick sizes, initialisations and epochs.
        official: complex parameters, as the official code trains them (the spectral engine; default: real
            parameters and the quartic engine).

    Returns:
        One configuration per run, masks outermost.
    """
    m, m_test = (presets.quick_m, presets.quick_m_test) if quick else (presets.m, presets.m_test)
    inits = presets.quick_inits if quick else presets.inits
    epochs = fig.quick_epochs if quick else fig.epochs
    law = preset_law(fig.law)
    diagonal = decide_assumption2(law, presets.d).holds
    if fig.init_sigma > 0:                     # random starts: one run per seed of the initial draws
        seeds = fig.init_seeds[:1] if quick else fig.init_seeds
        starts = [dict(a0=0.0, b0=0.0, init_sigma=fig.init_sigma, init_seed=s) for s in seeds]
    else:
        starts = [dict(a0=a0, b0=b0) for a0, b0 in inits]
    return [RunConfig(law=fig.law, lr=fig.lr, epochs=epochs, d=presets.d, T=presets.T, m=m, m_test=m_test,
                      seed=presets.seed, mask=mask, test_loss="test_loss" in fig.plots,
                      jackknife=not official and (fig.init_sigma > 0 or not (diagonal or mask)),
                      complex_params=official, **start)         # type: ignore[arg-type]
            for mask in fig.masks for start in starts]


def finish_figure(fig: Figure, results: list[TrainResult], out_dir: Path, quick: bool = False) -> list[RunRow]:
    """Compare a figure's trained runs with the theory, write its plots and ``data.json``.

    Args:
        fig: the figure.
        results: its trained runs, in the order of :func:`figure_runs`.
        out_dir: the output folder; the figure's files go to ``out_dir / fig.name``.
        quick: whether the runs are the quick ones (recorded in ``data.json``).

    Returns:
        One summary row per run.

    Raises:
        OutputError: a file cannot be written.
    """
    cfg0 = results[0].config
    law, d, T = preset_law(fig.law), cfg0.d, cfg0.T
    k = kappas(law, d)
    exact = float(product_from_kappas(k, T))
    m2 = float(k.m2)
    diagonal = decide_assumption2(law, d).holds
    data = Dataset.draw(law, d, T, cfg0.m, cfg0.m_test, cfg0.seed) if "ratio" in fig.plots else None
    preds, twins, rows = [], [], []
    for res in results:
        cfg = res.config
        # the reduced map needs a diagonal start and weights that stay diagonal (Assumption 2, or masking)
        reduced = (diagonal or cfg.mask) and cfg.init_sigma == 0
        pred = gd_prediction(k, d, T, cfg.lr, cfg.a0, cfg.b0, cfg.epochs, res.N, res.D) if reduced else None
        twin = noise_free_twin(cfg)
        preds.append(pred)
        twins.append(twin)
        rows.append(summary_row(fig, res, pred, twin, exact, m2,
                                ratio_se(data, res) if data is not None else math.nan))
        if data is not None:
            rows[-1].extra.update(ratio_companions(data, res))
    folder = out_dir / fig.name
    from .figures import plot_figure  # matplotlib: 0.8 s to import, paid by _prepare while the workers train
    files = plot_figure(fig, folder, results, twins, exact, m2)
    payload = {
        "figure": fig.name, "description": fig.description, "quick": quick, "files": files,
        "runs": [{"config": asdict(r.config), "log": r.log.as_dict(), "P": r.P.real, "Q": r.Q.real,
                  "P_imag": r.P.imag if np.iscomplexobj(r.P) else None,
                  "Q_imag": r.Q.imag if np.iscomplexobj(r.Q) else None,
                  "gd_prediction": ({"ab": p.ab, "se": p.se, "ab_empirical": p.ab_empirical} if p else None),
                  "twin": {"ab": tw.ab, "offdiag": tw.offdiag, "P": tw.P, "Q": tw.Q},
                  "summary": asdict(row)}
                 for r, p, tw, row in zip(results, preds, twins, rows)],
    }
    write_text(folder / "data.json", json.dumps(to_json(payload), allow_nan=False))
    return rows


def _prepare(cfgs: list[RunConfig]) -> None:
    """What a figure needs that no trained result enters: its runs' noise-free twins (cached by
    :func:`~mesatheory.reproduce.twin.noise_free_twin`) and the plotting library. A twin that diverges is left
    for :func:`finish_figure` to report: with the same learning rate the run usually diverges first, and that
    error names the run."""
    from . import figures  # noqa: F401  (imported once, for finish_figure)
    for cfg in cfgs:
        try:
            noise_free_twin(cfg)
        except DivergenceError:   # left to finish_figure, if the run itself does not diverge first
            pass


def run(figures: list[str], out_dir: Path, quick: bool = False, progress: Progress | None = None,
        workers: int | None = None, presets: Presets | None = None, official: bool = False) -> Path:
    """Run the named figures and write their plots, data and the summary.

    A figure is written as soon as its runs are done. ``summary.json`` next to ``summary.md`` holds the rows and
    ``"passed"``: ``True`` iff every run that has a theory passes (the value CI asserts with ``--quick``).

    Args:
        figures: figure names, or ``["all"]`` for every one.
        out_dir: the output folder.
        quick: smaller training sets and fewer epochs (what CI runs).
        progress: if given, called with a message and the fraction of the work done.
        workers: processes that train whole runs in parallel (:func:`mesatheory.reproduce.scheduling.train_runs`;
            default: up to 2, the CPUs available). The numbers do not depend on it.
        presets: the presets (default: :func:`mesatheory.reproduce.presets.load_presets`).
        official: train complex parameters as the official code does (:func:`figure_runs`); the summary says so.
            Its unmasked full-one runs have no jackknife SE (the quartic engine takes real parameters), hence
            no verdict.

    Returns:
        The path of ``summary.md``.

    Raises:
        PresetError: an unknown figure, or a missing or malformed presets file.
        DivergenceError: a run diverged.
        OutputError: a file cannot be written.
    """
    presets = presets or load_presets()
    if workers is None:
        workers = max(1, min(2, os.cpu_count() or 1))
    if workers > 1:
        start_workers()                            # its imports overlap with the preparations below
    names = [f.name for f in presets.figures] if "all" in figures else list(dict.fromkeys(figures))
    chosen = [presets.figure(n) for n in names]
    out_dir = Path(out_dir)
    start = time.perf_counter()
    runs = [figure_runs(fig, presets, quick, official) for fig in chosen]
    owner = [(f, j) for f, cfgs in enumerate(runs) for j in range(len(cfgs))]
    results: list[list[TrainResult | None]] = [[None] * len(cfgs) for cfgs in runs]
    rows_of: list[list[RunRow] | None] = [None] * len(chosen)
    jobs = [cfg for cfgs in runs for cfg in cfgs]
    report = (lambda msg, frac: progress(msg, 0.99 * frac)) if progress is not None else None
    with staged_folder(out_dir) as stage:      # all or nothing: an interrupted run leaves out_dir as it was
        preparations = [partial(_prepare, cfgs) for cfgs in runs]
        for index, result in train_runs(jobs, workers=workers, progress=report, meanwhile=preparations):
            f, j = owner[index]
            results[f][j] = result
            if all(r is not None for r in results[f]):
                rows_of[f] = finish_figure(chosen[f], results[f], stage, quick)     # type: ignore[arg-type]
        rows = [row for figure_rows in rows_of for row in figure_rows or []]
        seconds = time.perf_counter() - start
        verdicts = [r.passed for r in rows if r.passed is not None]
        summary = {"quick": quick, "official": official, "seconds": seconds, "passed": all(verdicts), "figures": names,
                   "rows": [asdict(r) for r in rows]}
        write_text(stage / "summary.json", json.dumps(to_json(summary), indent=1, allow_nan=False))
        write_text(stage / "summary.md", summary_markdown(rows, presets, quick, seconds, official))
    path = out_dir / "summary.md"
    if progress is not None:
        progress("done", 1.0)
    return path
