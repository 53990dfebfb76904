"""The delete-one-batch jackknife SE of a trained run's final ``ab``, linearised (one adjoint pass, no retraining).

The trained ``ab`` is a smooth function ``f(K)`` of the training set's mean quartic tables ``K = (K4, K2)``
(:mod:`mesatheory.model.quartic`); the batches of :func:`mesatheory.reproduce.training.batches` have tables
``K_b`` and weights ``w_b = m_b / m``, so ``K = Σ_b w_b K_b``. Deleting batch ``b`` gives the tables
``K_(b) = K + δ_b`` with ``δ_b = w_b (K - K_b) / (1 - w_b)``, and the jackknife is
``SE² = (B-1)/B Σ_b (f_(b) - mean_b f_(b))²``.

**Replicates** (:func:`replicate_jackknife_se`, the reference): ``f_(b) = f(K_(b))`` by retraining on each kept set
— ``B`` more runs. **Linearised** (:func:`jackknife_se`, what the reproduction uses): ``f_(b) ≈ f(K) + Df[δ_b]``,
with one derivative ``Df`` for all ``B`` replicates, by reverse mode through the gradient steps
``θ_{e+1} = Π(θ_e - η ∇L(θ_e; K))`` (``Π`` the mask's projection, or the identity). With ``λ_E = ∇ab(θ_E)``,
``μ_{e+1} = Π λ_{e+1}`` and ``λ_e = μ_{e+1} - η H(θ_e) μ_{e+1}`` (``H`` the Hessian, :meth:`QuarticLoss.hvp`),
``Df[δ] = -η Σ_e μ_{e+1} · ∇L(θ_e; δ)``. The loss is ``½ Σ_j c_jᵀ K4 c_j - Σ_j K2_j·c_j`` in the coefficients
``c_j(θ)`` (:meth:`QuarticLoss.coefficients`), so with ``ċ_{e,j}`` the derivative of ``c_j`` at ``θ_e`` along
``μ_{e+1}``::

    Df[δ] = -η (⟨δK4, A⟩ - ⟨δK2, a⟩),   A = Σ_e C_eᵀ Ċ_e,   a = Σ_e Ċ_e,

one matrix product for ``A`` and then one inner product per batch: ``⟨δ_b, ·⟩ = w_b (t - t_b)/(1 - w_b)`` with
``t_b = ⟨K4_b, A⟩ - ⟨K2_b, a⟩`` and ``t = Σ_b w_b t_b``. Cost: a forward pass (one gradient per epoch) and a
backward pass (one Hessian-vector product per epoch) instead of ``B`` gradients per epoch. The two differ by the
second-order terms of ``f_(b) - f``, ``O(1/m)`` relative to the SE: measured against the replicates in
``benchmarks/bench_reproduce.py --jackknife`` and checked in ``tests/reproduce/test_jackknife.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..model.parameters import mask_offdiagonal
from ..model.quartic import QuarticLoss
from .training import Dataset, RunConfig
from .twin import descend, states


def _se(data: Dataset, replicates: Callable[[list[QuarticLoss], np.ndarray], np.ndarray]) -> float:
    """``√((B-1)/B Σ_b (v_b - v̄)²)`` of the replicate values ``v = replicates(batch tables, batch weights)``, or
    NaN when the training set has fewer than two batches."""
    parts, sizes = data.quartic_parts()
    if len(parts) < 2:
        return float("nan")
    values = replicates(parts, sizes / sizes.sum())
    B = len(values)
    return float(np.sqrt((B - 1) / B * np.sum((values - values.mean()) ** 2)))


def table_derivative(loss: QuarticLoss, cfg: RunConfig) -> tuple[np.ndarray, np.ndarray]:
    """``(A, a)`` of the module docstring: ``Df[δ] = -η (⟨δK4, A⟩ - ⟨δK2, a⟩)`` for the final ``ab`` of ``cfg``'s
    gradient descent on ``loss``.

    Args:
        loss: the loss descended (a training set's tables).
        cfg: the run (learning rate, start, epochs, mask).

    Returns:
        ``A`` of the shape of ``K4`` and ``a`` of the shape of ``K2``.
    """
    path = list(states(loss, cfg, "the jackknife's forward pass"))
    d = cfg.d
    P, Q = path[-1]
    lamP, lamQ = np.zeros_like(P), np.zeros_like(Q)
    j = np.arange(d)
    lamP[j, j] = Q[d + j, j] / d                  # ∇ab: ab = mean_j P[j,j] Q[d+j,j]
    lamQ[d + j, j] = P[j, j] / d
    C, Cdot = [], []
    for P, Q in reversed(path[:-1]):
        if cfg.mask:
            mask_offdiagonal(lamP, lamQ)
        C.append(loss.coefficients(P, Q))
        Cdot.append(loss.coefficients(lamP, Q) + loss.coefficients(P, lamQ))
        hP, hQ = loss.hvp(P, Q, lamP, lamQ)
        lamP, lamQ = lamP - cfg.lr * hP, lamQ - cfg.lr * hQ
    if not C:
        return np.zeros_like(loss.M), np.zeros_like(loss.lin)
    Cs, Cdots = np.concatenate(C), np.concatenate(Cdot)
    return Cs.T @ Cdots, Cdots.reshape(len(C), d, -1).sum(axis=0)


def jackknife_se(data: Dataset, cfg: RunConfig) -> float:
    """The linearised delete-one-batch jackknife SE of the final trained ``ab`` (module docstring).

    Args:
        data: the run's training set (its batches' quartic tables).
        cfg: the run.

    Returns:
        The SE from ``f_(b) - f ≈ Df[δ_b]`` (NaN with fewer than two batches).
    """
    def linear(parts: list[QuarticLoss], w: np.ndarray) -> np.ndarray:
        A, a = table_derivative(data.quartic(), cfg)
        t = np.array([np.vdot(part.M, A) - np.vdot(part.lin, a) for part in parts])
        return -cfg.lr * w * (w @ t - t) / (1 - w)
    return _se(data, linear)


def replicate_jackknife_se(data: Dataset, cfg: RunConfig) -> float:
    """The delete-one-batch jackknife SE by retraining on each kept set (the reference :func:`jackknife_se`
    linearises).

    Args:
        data: the run's training set (its batches' quartic tables).
        cfg: the run.

    Returns:
        The SE from the ``B`` retrained ``f_(b)`` (NaN with fewer than two batches).
    """
    def retrained(parts: list[QuarticLoss], w: np.ndarray) -> np.ndarray:
        kept = [np.where(np.arange(len(w)) == b, 0.0, w) for b in range(len(w))]
        return np.array([descend(QuarticLoss.combine(parts, k / k.sum()), cfg).ab[-1] for k in kept])
    return _se(data, retrained)
