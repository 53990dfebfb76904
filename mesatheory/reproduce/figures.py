"""Plots of the paper's figures (matplotlib figures without pyplot, so no backend is forced), written atomically.

Every plot shows the measured curves and both theory lines: the exact finite-``T`` value of Theorem 1 (solid
grey) and the ``T → ∞`` asymptote the paper drew (dotted); the ab panels also show each run's noise-free twin
(thin dashed, same colour: gradient descent with the run's learning rate, start and mask on the exact population
loss, :mod:`mesatheory.reproduce.twin`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure as PlotFigure
from matplotlib.ticker import LogFormatter

from .._io import atomic_path
from .presets import Figure
from .training import TrainResult, init_label
from .twin import Twin

DPI = 100                # with the fixed figure sizes: 700 × 450 px line plots
PNG_COMPRESSION = 1      # zlib level: level 6 (matplotlib's default) costs ≈ 0.05 s more per plot


def save_atomic(fig: PlotFigure, path: Path) -> None:
    """Save ``fig`` as PNG to ``path`` atomically (:func:`mesatheory._io.atomic_path`).

    The figure is a bare :class:`matplotlib.figure.Figure` (no pyplot): it renders with Agg whatever backend the
    session uses (a notebook's inline one stays in place) and is freed with its last reference. The canvas is the
    figure's own size (no ``bbox_inches="tight"``: that draws every plot twice, ≈ 40 % of a plot's cost).

    Args:
        fig: the matplotlib figure.
        path: the PNG file.

    Raises:
        OutputError: the file cannot be written.
    """
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESSION})


def _lines(ax: Axes, exact: float | None, asymptote: float | None, exact_label: str,
           asymptote_label: str) -> None:
    if exact is not None:
        ax.axhline(exact, color="0.35", lw=1.5, label=exact_label)
    if asymptote is not None:
        ax.axhline(asymptote, color="0.35", lw=1.5, ls=":", label=asymptote_label)


def plot_series(path: Path, title: str, ylabel: str, curves: Sequence[tuple[str, np.ndarray]],
                theory_curves: Sequence[np.ndarray | None] = (), exact: float | None = None,
                asymptote: float | None = None, exact_label: str = "exact (finite T)",
                asymptote_label: str = "paper's line (T → ∞)", logy: bool = False) -> None:
    """Per-epoch curves (one per run) with optional noise-free GD curves and the two theory lines.

    Args:
        path: the PNG file.
        title: the plot's title.
        ylabel: the y-axis label.
        curves: ``(label, values per epoch)`` of each run.
        theory_curves: the noise-free twin of each run, in the order of ``curves`` (``None`` for a run without
            one), drawn dashed in the run's colour.
        exact: the exact finite-``T`` value (solid line), if any.
        asymptote: the paper's ``T → ∞`` value (dotted line), if any.
        exact_label: the legend of the exact line.
        asymptote_label: the legend of the asymptote.
        logy: a logarithmic y axis.

    Raises:
        OutputError: the file cannot be written.
    """
    fig = PlotFigure(figsize=(7, 4.5))
    ax = fig.subplots()
    for i, (label, y) in enumerate(curves):
        line, = ax.plot(np.arange(len(y)), y, lw=2, label=label)
        theory = theory_curves[i] if i < len(theory_curves) else None
        if theory is not None:
            ax.plot(np.arange(len(theory)), theory, lw=1, ls="--", color=line.get_color())
    _lines(ax, exact, asymptote, exact_label, asymptote_label)
    if logy:
        ax.set_yscale("log")
        # plain-text labels: the default ones are mathtext, whose parsing was 30 % of a log plot's time
        ax.yaxis.set_major_formatter(LogFormatter(base=10))
        ax.yaxis.set_minor_formatter(LogFormatter(base=10, labelOnlyBase=False))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title, y=1.0)        # a fixed place: the automatic one measures every tick label (≈ 40 % of a plot)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save_atomic(fig, path)


def plot_heatmaps(path: Path, title: str, panels: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> None:
    """One row per run: the trained ``W^{PV}`` active rows (``d × 2d``) and ``W^{KQ}`` active block (``2d × 2d``).

    Args:
        path: the PNG file.
        title: the figure's title.
        panels: ``(label, P, Q)`` of each run (real parts are shown).

    Raises:
        OutputError: the file cannot be written.
    """
    fig = PlotFigure(figsize=(9, 3.2 * len(panels)))
    axes = fig.subplots(len(panels), 2, squeeze=False)
    for row, (label, P, Q) in enumerate(panels):
        for col, (name, M) in enumerate((("W^PV[1:d, d+1:3d]", P.real), ("W^KQ[d+1:3d, d+1:3d]", Q.real))):
            ax = axes[row, col]
            im = ax.imshow(M, cmap="viridis", interpolation="nearest")
            ax.set_title(f"{label}: {name}", fontsize=9)
            fig.colorbar(im, ax=ax, fraction=0.046)
    fig.suptitle(title)
    fig.subplots_adjust(top=1 - 0.55 / fig.get_figheight())       # room for the suptitle above the panels' titles
    save_atomic(fig, path)


def plot_figure(fig: Figure, folder: Path, results: list[TrainResult], twins: list[Twin],
                exact: float, m2: float) -> list[str]:
    """The figure's plots into ``folder``, as ``fig.plots`` asks.

    The plots are ``ab`` with the noise-free twins and both theory lines, the test ratio, the test loss and the heat
    maps.

    Args:
        fig: the figure.
        folder: the output folder.
        results: the trained runs.
        twins: the noise-free twin of each run.
        exact: Theorem 1's exact ``ã·b̃`` at the runs' ``T``.
        m2: ``E[x²]`` of the law (the test ratio's theory is ``ab·m2``).

    Returns:
        The file names written, in order.

    Raises:
        OutputError: a file cannot be written.
    """
    written = []

    def label(r: TrainResult) -> str:
        start = init_label(r.config)
        return f"{'' if r.config.init_sigma > 0 else '(a0,b0) = '}{start}{' masked' if r.config.mask else ''}"

    if "ab" in fig.plots:
        plot_series(folder / "ab.png", f"{fig.name}: dynamics of ab", "ab",
                    [(label(r), r.log.ab) for r in results], [t.ab for t in twins],
                    exact=exact, asymptote=fig.asymptote,
                    exact_label=f"exact ã·b̃ (T={results[0].config.T}) = {exact:.4g}",
                    asymptote_label=(f"paper's line (T → ∞) = {fig.asymptote:g}" if fig.asymptote else ""))
        written.append("ab.png")
    if "offdiag" in fig.plots:
        plot_series(folder / "offdiag.png", f"{fig.name}: norm of the entries outside the diagonal form", "norm",
                    [(label(r), r.log.offdiag) for r in results], [t.offdiag for t in twins], logy=True)
        written.append("offdiag.png")
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
