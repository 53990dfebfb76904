"""``mesatheory reproduce``: the paper's simulations (PAPER.md §5), checked against the exact theory.

For every figure of ``checks/paper.toml`` the runs (three initialisations; full-one with and without masking) are
trained with :func:`mesatheory.training.train` on one shared dataset (whole runs spread over worker processes by
:func:`mesatheory.parallel.train_runs`), and the figure directory receives PNG plots,
``data.json`` (per-epoch series of every run, final matrices, summary rows). ``summary.md`` / ``summary.json`` in
the output directory collect one row per run:

* the trained ``ab`` after the last epoch;
* the noise-free GD prediction at that epoch (the reduced discrete map with the law's exact κ's, same learning
  rate and start) with the run's **own standard error** — the delta method on the training set's per-coordinate
  statistics ``(N̄_j, D̄_j)`` (:mod:`mesatheory.gdtheory`); at convergence it is, to first order, the SE of the
  empirical minimiser ``N̄/D̄``;
* ``z = (trained - predicted)/SE``; the exact finite-``T`` product ``ã·b̃`` of Theorem 1; the ``T → ∞`` line the
  paper plotted (never labelled exact); the empirical diagonal minimiser ``N̄/D̄ ± SE`` of the same training set.

A run **passes** when ``|trained - predicted| ≤ 5·SE + FLOOR·|predicted|``. ``FLOOR`` covers what the delta method
does not: optimisation residual and the second-order effect of the off-diagonal entries fitting the sample (it
matters when the SE is tiny, as for the sparse law near convergence, where every coordinate's limit is exactly
``1/c²``). Runs without a theory (full-one unmasked: Assumption 2 fails) have ``passed = None``. Files are written
atomically.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .figures import plot_heatmaps, plot_series
from .gdtheory import GDPrediction, predict
from .moments import kappas
from .presets import Figure, Presets, load_presets
from .registry import get_law
from .theory import product_from_kappas
from .parallel import train_runs
from .training import Dataset, RunConfig, TrainResult

Progress = Callable[[str, float], None]
Z_MAX = 5.0
FLOOR = 2e-4


def list_figures(presets: Presets | None = None) -> list[tuple[str, str]]:
    """``(name, description)`` of every figure, in the order of ``checks/paper.toml``."""
    presets = presets or load_presets()
    return [(f.name, f.description) for f in presets.figures]


@dataclass
class RunRow:
    """One summary row (see the module docstring)."""

    figure: str
    law: str
    a0: float
    b0: float
    mask: bool
    lr: float
    epochs: int
    m: int
    ab: float
    predicted: float | None
    se: float | None
    z: float | None
    exact: float
    asymptote: float | None
    empirical: float
    empirical_se: float
    converged: bool | None
    passed: bool | None
    offdiag: float
    seconds: float
    seconds_per_epoch: float
    extra: dict


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _sanitize(obj: object) -> object:
    """JSON-ready copy: arrays to lists, NumPy scalars to Python, non-finite floats to ``None`` (strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): _sanitize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_sanitize(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _sanitize(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, (np.integer, np.bool_)):
        return obj.item()
    return obj


def _ratio_se(data: Dataset, res: TrainResult) -> float:
    """SE of the final test ratio: spread of the per-sequence means of ``Re ŷ_{T-1,j}/x_{T,j}`` over ``√m_test``."""
    last = data.last_position()
    yhat, x = last.predict(res.P, res.Q), last.target
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(x != 0, (yhat / np.where(x != 0, x, 1)).real, np.nan)
    per_seq = np.nanmean(r, axis=1)
    per_seq = per_seq[np.isfinite(per_seq)]
    return float(np.std(per_seq, ddof=1) / np.sqrt(len(per_seq))) if len(per_seq) > 1 else float("nan")


def _row(fig: Figure, res: TrainResult, pred: GDPrediction | None, exact: float, m2: float,
         ratio_se: float = float("nan")) -> RunRow:
    cfg, log = res.config, res.log
    ab = float(log.ab[-1])
    predicted = se = z = None
    converged = passed = None
    if pred is not None:
        predicted, se = float(pred.ab[-1]), float(pred.se[-1])
        if se <= 1e-12 * abs(predicted):
            se = 0.0                                       # zero to rounding (sparse law: N = D/c² exactly)
        diff = ab - predicted
        z = diff / se if se > 0 else None
        passed = abs(diff) <= Z_MAX * se + FLOOR * abs(predicted)
        converged = abs(predicted - pred.c_star) <= FLOOR * abs(pred.c_star)
    extra: dict = {"test_mse_last": float(log.test_mse_last[-1])}
    if "ratio" in fig.plots:
        # E[ŷ_j / x_j] = ab·m2 on the diagonal (PAPER.md, derived); the SE is the test sample's
        extra.update(test_ratio=float(log.test_ratio[-1]), test_ratio_se=ratio_se, ratio_exact=exact * m2,
                     ratio_theory_at_ab=ab * m2, ratio_asymptote=0.2)
    if "test_loss" in fig.plots:
        extra.update(test_loss=float(log.test_loss[-1]))
    return RunRow(figure=fig.name, law=cfg.law, a0=cfg.a0, b0=cfg.b0, mask=cfg.mask, lr=cfg.lr, epochs=cfg.epochs,
                  m=cfg.m, ab=ab, predicted=predicted, se=se, z=z, exact=exact, asymptote=fig.asymptote,
                  empirical=pred.c_empirical if pred else float(res.N.sum() / res.D.sum()),
                  empirical_se=pred.se_empirical if pred else float("nan"), converged=converged, passed=passed,
                  offdiag=float(log.offdiag[-1]), seconds=res.seconds, seconds_per_epoch=res.seconds_per_epoch,
                  extra=extra)


def _plots(fig: Figure, folder: Path, results: list[TrainResult], preds: list[GDPrediction | None],
           exact: float, m2: float) -> list[str]:
    written = []

    def label(r: TrainResult) -> str:
        return f"(a0,b0) = ({r.config.a0:g}, {r.config.b0:g}){' masked' if r.config.mask else ''}"

    if "ab" in fig.plots:
        plot_series(folder / "ab.png", f"{fig.name}: dynamics of ab", "ab",
                    [(label(r), r.log.ab) for r in results], [p.ab if p else None for p in preds],
                    exact=exact, asymptote=fig.asymptote,
                    exact_label=f"exact ã·b̃ (T={results[0].config.T}) = {exact:.4g}",
                    asymptote_label=(f"paper's line (T → ∞) = {fig.asymptote:g}" if fig.asymptote else ""))
        written.append("ab.png")
    if "ratio" in fig.plots:
        plot_series(folder / "ratio.png", f"{fig.name}: mean ŷ/x at the last position (test)", "ratio",
                    [(label(r), r.log.test_ratio) for r in results], exact=exact * m2, asymptote=0.2,
                    exact_label=f"exact ã·b̃·E[x²] = {exact * m2:.4g}", asymptote_label="paper's line (T → ∞) = 0.2")
        written.append("ratio.png")
    if "test_loss" in fig.plots:
        plot_series(folder / "test_loss.png", f"{fig.name}: test loss (official: ½Σ_t Σ_j |ŷ−x|², mean over "
                    "sequences)", "test loss", [(label(r), r.log.test_loss) for r in results], logy=True)
        plot_series(folder / "test_mse_last.png", f"{fig.name}: test MSE at the last position", "MSE",
                    [(label(r), r.log.test_mse_last) for r in results], logy=True)
        written += ["test_loss.png", "test_mse_last.png"]
    if "heatmaps" in fig.plots:
        for mask in sorted({r.config.mask for r in results}):
            name = f"heatmaps_{'masked' if mask else 'unmasked'}.png"
            plot_heatmaps(folder / name, f"{fig.name}: trained matrices ({'masked' if mask else 'unmasked'})",
                          [(label(r), r.P, r.Q) for r in results if r.config.mask == mask])
            written.append(name)
    return written


def figure_runs(fig: Figure, presets: Presets, quick: bool = False) -> list[RunConfig]:
    """The runs of one figure: every mask × initialisation, on the figure's law and one shared dataset."""
    m, m_test = (presets.quick_m, presets.quick_m_test) if quick else (presets.m, presets.m_test)
    inits = presets.quick_inits if quick else presets.inits
    epochs = fig.quick_epochs if quick else fig.epochs
    return [RunConfig(law=fig.law, lr=fig.lr, epochs=epochs, a0=a0, b0=b0, d=presets.d, T=presets.T, m=m,
                      m_test=m_test, seed=presets.seed, mask=mask, test_loss="test_loss" in fig.plots)
            for mask in fig.masks for a0, b0 in inits]


def finish_figure(fig: Figure, results: list[TrainResult], out_dir: Path, quick: bool = False) -> list[RunRow]:
    """Compare a figure's trained runs with the theory, write its plots and ``data.json``; return its rows."""
    cfg0 = results[0].config
    law, d, T = get_law(fig.law), cfg0.d, cfg0.T
    k = kappas(law, d)
    exact = float(product_from_kappas(k, T))
    m2 = float(k.m2)
    data = Dataset.draw(law, d, T, cfg0.m, cfg0.m_test, cfg0.seed) if "ratio" in fig.plots else None
    preds, rows = [], []
    for res in results:
        cfg = res.config
        theory = law.name != "full_one" or cfg.mask       # full-one unmasked leaves the diagonal: no theory
        pred = predict(k, d, T, cfg.lr, cfg.a0, cfg.b0, cfg.epochs, res.N, res.D) if theory else None
        preds.append(pred)
        rows.append(_row(fig, res, pred, exact, m2, _ratio_se(data, res) if data is not None else math.nan))
    folder = out_dir / fig.name
    files = _plots(fig, folder, results, preds, exact, m2)
    payload = {
        "figure": fig.name, "description": fig.description, "quick": quick, "files": files,
        "runs": [{"config": asdict(r.config), "log": r.log.as_dict(), "P": r.P.real, "Q": r.Q.real,
                  "P_imag": r.P.imag if np.iscomplexobj(r.P) else None,
                  "Q_imag": r.Q.imag if np.iscomplexobj(r.Q) else None,
                  "gd_prediction": ({"ab": p.ab, "se": p.se, "ab_empirical": p.ab_empirical} if p else None),
                  "summary": asdict(row)}
                 for r, p, row in zip(results, preds, rows)],
    }
    _write_atomic(folder / "data.json", json.dumps(_sanitize(payload), allow_nan=False))
    return rows


def _fmt(x: float | None, spec: str = ".5g") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, float) and math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return format(x, spec)


def summary_markdown(rows: list[RunRow], presets: Presets, quick: bool, seconds: float) -> str:
    m = presets.quick_m if quick else presets.m
    lines = [
        "# Reproduction of the paper's simulations",
        "",
        f"`mesatheory reproduce{' --quick' if quick else ''}`: d = {presets.d}, T = {presets.T}, m = {m} training "
        f"sequences, seed {presets.seed}; full-batch gradient descent on every entry of W^KQ, W^PV (real "
        f"parameters); wall time {seconds:.1f} s.",
        "",
        "*GD theory*: the noise-free gradient-descent curve at the final epoch (reduced map with the law's exact "
        "κ's); *SE*: the run's own statistical error (delta method on its training set); *exact*: Theorem 1's "
        f"ã·b̃ at T = {presets.T}; *paper's line*: the T → ∞ value the paper plotted; *N̄/D̄*: the empirical "
        f"diagonal minimiser of the same training set. Pass: |trained − GD theory| ≤ {Z_MAX:g}·SE + "
        f"{FLOOR:g}·|GD theory|.",
        "",
        "| figure | init (a0, b0) | mask | epochs | trained ab | GD theory ± SE | z | exact ã·b̃ | paper's line | "
        "N̄/D̄ ± SE | converged | off-diag | pass |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        theory = f"{_fmt(r.predicted, '.6g')} ± {_fmt(r.se, '.2g')}" if r.predicted is not None else "— (no theory)"
        lines.append(
            f"| {r.figure} | ({r.a0:g}, {r.b0:g}) | {'yes' if r.mask else 'no'} | {r.epochs} | {r.ab:.6g} | "
            f"{theory} | {_fmt(r.z, '+.2f')} | {r.exact:.6g} | {_fmt(r.asymptote, 'g')} | "
            f"{r.empirical:.6g} ± {_fmt(r.empirical_se, '.2g')} | "
            f"{'—' if r.converged is None else ('yes' if r.converged else 'no')} | {r.offdiag:.2g} | "
            f"{'—' if r.passed is None else ('✓' if r.passed else '✗')} |")
    ratio_rows = [r for r in rows if "test_ratio" in r.extra]
    if ratio_rows:
        lines += ["", "Test ratio mean ŷ/x at the last position (theory on the diagonal: E[ŷ_j/x_j] = ab·E[x²]; SE "
                  "from the test sample):", "",
                  "| figure | init | measured ± SE | ab·E[x²] (trained ab) | exact ã·b̃·E[x²] | paper's line |",
                  "|---|---|---|---|---|---|"]
        for r in ratio_rows:
            e = r.extra
            lines.append(f"| {r.figure} | ({r.a0:g}, {r.b0:g}) | {e['test_ratio']:.5g} ± {_fmt(e['test_ratio_se'], '.2g')} | "
                         f"{e['ratio_theory_at_ab']:.5g} | {e['ratio_exact']:.5g} | 0.2 |")
    loss_rows = [r for r in rows if "test_loss" in r.extra]
    if loss_rows:
        lines += ["", "Sparse law: test loss (official evaluation loss, all positions) and MSE at the last "
                  "position; theory 0 (exact recovery):", "",
                  "| figure | init | test loss | MSE at t = T−1 |", "|---|---|---|---|"]
        for r in loss_rows:
            lines.append(f"| {r.figure} | ({r.a0:g}, {r.b0:g}) | {r.extra['test_loss']:.3g} | "
                         f"{r.extra['test_mse_last']:.3g} |")
    verdicts = [r.passed for r in rows if r.passed is not None]
    lines += ["", f"**{sum(verdicts)}/{len(verdicts)} runs with a theory pass.**", ""]
    return "\n".join(lines)


def run(figures: list[str], out_dir: Path, quick: bool = False, progress: Progress | None = None,
        workers: int | None = None, presets: Presets | None = None) -> Path:
    """Run the named figures (``["all"]`` for every one); return the path of ``summary.md``.

    ``workers`` (default: up to 2, the CPUs available) processes train whole runs in parallel
    (:func:`mesatheory.parallel.train_runs`); a figure is written as soon as its runs are done. The numbers do not
    depend on ``workers``.

    ``summary.json`` next to it holds the rows and ``"passed"``: ``True`` iff every run that has a theory
    passes (the value CI asserts with ``--quick``).
    """
    presets = presets or load_presets()
    if workers is None:
        workers = max(1, min(2, os.cpu_count() or 1))
    names = [f.name for f in presets.figures] if "all" in figures else list(dict.fromkeys(figures))
    chosen = [presets.figure(n) for n in names]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    runs = [figure_runs(fig, presets, quick) for fig in chosen]
    owner = [(f, j) for f, cfgs in enumerate(runs) for j in range(len(cfgs))]
    results: list[list[TrainResult | None]] = [[None] * len(cfgs) for cfgs in runs]
    rows_of: list[list[RunRow] | None] = [None] * len(chosen)
    jobs = [cfg for cfgs in runs for cfg in cfgs]
    report = (lambda msg, frac: progress(msg, 0.99 * frac)) if progress is not None else None
    for index, result in train_runs(jobs, processes=workers, threads=workers, progress=report):
        f, j = owner[index]
        results[f][j] = result
        if all(r is not None for r in results[f]):
            rows_of[f] = finish_figure(chosen[f], results[f], out_dir, quick)     # type: ignore[arg-type]
    rows = [row for figure_rows in rows_of for row in figure_rows or []]
    seconds = time.perf_counter() - start
    verdicts = [r.passed for r in rows if r.passed is not None]
    summary = {"quick": quick, "seconds": seconds, "passed": all(verdicts), "figures": names,
               "rows": [asdict(r) for r in rows]}
    _write_atomic(out_dir / "summary.json", json.dumps(_sanitize(summary), indent=1, allow_nan=False))
    path = out_dir / "summary.md"
    _write_atomic(path, summary_markdown(rows, presets, quick, seconds))
    if progress is not None:
        progress("done", 1.0)
    return path
