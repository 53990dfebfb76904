"""The noise-free twin of a trained run, and a jackknife standard error of its ``ab``.

**Twin.** Gradient descent with the run's learning rate, initialisation, epochs and masking on the exact
population loss of its law (:meth:`mesatheory.model.quartic.QuarticLoss.from_law`, every entry of
``W^{KQ}, W^{PV}``): what the run would do with infinitely many training sequences. Under Assumption 2 it stays
diagonal and equals the reduced map of :mod:`mesatheory.theory.gd_curve`; beyond it (full-one, unmasked) it is the
only noise-free theory of the run, off-diagonal entries included.

**Jackknife SE.** The trained ``ab`` is a smooth function of the training set's mean tables; dropping one of the
``B`` batches of :func:`mesatheory.reproduce.training.batches` in turn and training on the rest gives ``ab_(b)``,
and ``SE² = (B-1)/B Σ_b (ab_(b) - mean)²``. It needs no model of the data (no diagonal form, any law) and no
build: the batches' tables are kept (:class:`mesatheory.reproduce.training.QuarticTables`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..model.parameters import diagonal_product, offdiagonal_norm
from ..model.quartic import QuarticLoss
from .training import Dataset, RunConfig, gd_step, initial_blocks


@dataclass
class Twin:
    """A gradient-descent path on a quartic loss: ``ab`` and the off-diagonal norm per epoch, the final blocks."""

    ab: np.ndarray
    offdiag: np.ndarray
    P: np.ndarray
    Q: np.ndarray


def descend(loss: QuarticLoss, cfg: RunConfig) -> Twin:
    """``cfg.epochs`` steps ``θ ← θ - η ∇L(θ)`` from ``cfg``'s start (masked as ``cfg`` asks).

    Args:
        loss: the loss to descend.
        cfg: the run whose learning rate, start, epochs and mask are used.

    Returns:
        The path.

    Raises:
        DivergenceError: the parameters became non-finite.
    """
    P, Q = initial_blocks(cfg)
    ab, off = np.empty(cfg.epochs + 1), np.empty(cfg.epochs + 1)
    ab[0], off[0] = diagonal_product(P, Q), offdiagonal_norm(P, Q)
    with np.errstate(over="ignore", invalid="ignore"):
        for e in range(cfg.epochs):
            gd_step(P, Q, *loss.grad(P, Q), cfg, e, "the noise-free twin")
            ab[e + 1], off[e + 1] = diagonal_product(P, Q), offdiagonal_norm(P, Q)
    return Twin(ab=ab, offdiag=off, P=P, Q=Q)


@lru_cache(maxsize=8)
def population_loss(law: str, d: int, T: int) -> QuarticLoss:
    """The exact population training loss of a law (built once per process).

    Args:
        law: the law's spec.
        d: the dimension.
        T: the sequence length.

    Returns:
        :meth:`mesatheory.model.quartic.QuarticLoss.from_law` of the training positions ``2..T-1``.
    """
    return QuarticLoss.from_law(law, d, T)


def noise_free_twin(cfg: RunConfig) -> Twin:
    """The run's noise-free twin: :func:`descend` on the exact population loss of ``cfg.law``.

    Args:
        cfg: the run.

    Returns:
        The twin's path.

    Raises:
        Unavailable: the exact population tables exceed their budget at ``cfg``'s ``d`` and ``T``.
        DivergenceError: the twin diverged.
    """
    return descend(population_loss(cfg.law, cfg.d, cfg.T), cfg)


def jackknife_se(data: Dataset, cfg: RunConfig) -> float:
    """The delete-one-batch jackknife SE of the final trained ``ab`` (module docstring).

    Args:
        data: the run's training set (its batches' quartic tables).
        cfg: the run.

    Returns:
        The standard error (NaN with fewer than two batches).
    """
    parts, sizes = data.quartic_parts()
    B = len(parts)
    if B < 2:
        return float("nan")
    values = []
    for b in range(B):
        w = sizes.copy()
        w[b] = 0.0
        values.append(descend(QuarticLoss.combine(parts, w / w.sum()), cfg).ab[-1])
    v = np.asarray(values)
    return float(np.sqrt((B - 1) / B * np.sum((v - v.mean()) ** 2)))
