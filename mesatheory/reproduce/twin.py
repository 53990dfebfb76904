"""The noise-free twin of a trained run: gradient descent on the exact population loss.

Gradient descent with the run's learning rate, initialisation, epochs and masking on the exact population loss of
its law (:meth:`mesatheory.model.quartic.QuarticLoss.from_law`, every entry of ``W^{KQ}, W^{PV}``): what the run
would do with infinitely many training sequences. Under Assumption 2 it stays diagonal and equals the reduced map of
:mod:`mesatheory.theory.gd_curve`; beyond it (full-one, unmasked) it is the only noise-free theory of the run,
off-diagonal entries included (its statistical error: :mod:`mesatheory.reproduce.jackknife`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..model.parameters import diagonal_product, offdiagonal_norm
from ..model.quartic import QuarticLoss
from .presets import preset_law
from .training import RunConfig, gd_step, initial_blocks


@dataclass
class Twin:
    """A gradient-descent path on a quartic loss: ``ab`` and the off-diagonal norm per epoch, the final blocks."""

    ab: np.ndarray
    offdiag: np.ndarray
    P: np.ndarray
    Q: np.ndarray


def states(loss: QuarticLoss, cfg: RunConfig, what: str = "the noise-free twin"
           ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The iterates of ``cfg.epochs`` steps ``θ ← θ - η ∇L(θ)`` from ``cfg``'s start (masked as ``cfg`` asks).

    Args:
        loss: the loss to descend.
        cfg: the run whose learning rate, start, epochs and mask are used.
        what: what is descending, for the error message.

    Yields:
        ``(P, Q)`` after ``0, 1, …, cfg.epochs`` steps (copies).

    Raises:
        DivergenceError: the parameters became non-finite.
    """
    P, Q = initial_blocks(cfg)
    yield P.copy(), Q.copy()
    for e in range(cfg.epochs):
        with np.errstate(over="ignore", invalid="ignore"):         # divergence is checked by gd_step
            gd_step(P, Q, *loss.grad(P, Q), cfg, e, what)
        yield P.copy(), Q.copy()


def descend(loss: QuarticLoss, cfg: RunConfig) -> Twin:
    """The path of :func:`states`: ``ab`` and the off-diagonal norm per epoch, and the final blocks.

    Args:
        loss: the loss to descend.
        cfg: the run whose learning rate, start, epochs and mask are used.

    Returns:
        The path.

    Raises:
        DivergenceError: the parameters became non-finite.
    """
    ab, off = np.empty(cfg.epochs + 1), np.empty(cfg.epochs + 1)
    with np.errstate(over="ignore", invalid="ignore"):       # huge but finite: the next step raises
        for e, (P, Q) in enumerate(states(loss, cfg)):
            ab[e], off[e] = diagonal_product(P, Q), offdiagonal_norm(P, Q)
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
    return QuarticLoss.from_law(preset_law(law), d, T)


@lru_cache(maxsize=64)
def noise_free_twin(cfg: RunConfig) -> Twin:
    """The run's noise-free twin: :func:`descend` on the exact population loss of ``cfg.law`` (once per run and
    process: the runner computes it while the workers train, and uses it when the run is done).

    Args:
        cfg: the run.

    Returns:
        The twin's path.

    Raises:
        Unavailable: the exact population tables exceed their budget at ``cfg``'s ``d`` and ``T``.
        DivergenceError: the twin diverged.
    """
    return descend(population_loss(cfg.law, cfg.d, cfg.T), cfg)
