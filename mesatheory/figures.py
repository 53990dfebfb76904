"""Plots of the paper's figures (matplotlib, Agg backend), written atomically.

Every plot shows the measured curves and both theory lines: the exact finite-``T`` value of Theorem 1 (solid
grey) and the ``T → ∞`` asymptote the paper drew (dotted); the ab panels also show the noise-free GD curve of
each initialisation (thin dashed, :mod:`mesatheory.gdtheory`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save_atomic(fig: "plt.Figure", path: Path) -> None:
    """Save ``fig`` as PNG to a temporary file next to ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)


def _lines(ax: "plt.Axes", exact: float | None, asymptote: float | None, exact_label: str,
           asymptote_label: str) -> None:
    if exact is not None:
        ax.axhline(exact, color="0.35", lw=1.5, label=exact_label)
    if asymptote is not None:
        ax.axhline(asymptote, color="0.35", lw=1.5, ls=":", label=asymptote_label)


def plot_series(path: Path, title: str, ylabel: str, curves: Sequence[tuple[str, np.ndarray]],
                theory_curves: Sequence[np.ndarray] = (), exact: float | None = None,
                asymptote: float | None = None, exact_label: str = "exact (finite T)",
                asymptote_label: str = "paper's line (T → ∞)", logy: bool = False) -> None:
    """Per-epoch curves (one per run) with optional noise-free GD curves and the two theory lines."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (label, y) in enumerate(curves):
        line, = ax.plot(np.arange(len(y)), y, lw=2, label=label)
        if i < len(theory_curves) and theory_curves[i] is not None:
            ax.plot(np.arange(len(theory_curves[i])), theory_curves[i], lw=1, ls="--", color=line.get_color())
    _lines(ax, exact, asymptote, exact_label, asymptote_label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save_atomic(fig, path)


def plot_heatmaps(path: Path, title: str, panels: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> None:
    """One row per run: the trained ``W^{PV}`` active rows (``d × 2d``) and ``W^{KQ}`` active block (``2d × 2d``)."""
    fig, axes = plt.subplots(len(panels), 2, figsize=(9, 3.2 * len(panels)), squeeze=False)
    for row, (label, P, Q) in enumerate(panels):
        for col, (name, M) in enumerate((("W^PV[1:d, d+1:3d]", P.real), ("W^KQ[d+1:3d, d+1:3d]", Q.real))):
            ax = axes[row, col]
            im = ax.imshow(M, cmap="viridis", interpolation="nearest")
            ax.set_title(f"{label}: {name}", fontsize=9)
            fig.colorbar(im, ax=ax, fraction=0.046)
    fig.suptitle(title)
    save_atomic(fig, path)
