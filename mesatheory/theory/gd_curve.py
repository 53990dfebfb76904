"""What finite-sample gradient descent on the diagonal should show at every epoch, with its standard error.

On the diagonal form ``(a I, b I)`` with ``c = ab``, the official loss of ``m`` sequences is
``L = (1/m) Σ_n (½ c² D_n - c N_n) + const`` with the per-sequence statistics ``N_n, D_n`` of
:func:`mesatheory.model.diagonal.loss_statistics`. Averaged over the ``d`` diagonal entries, each entry moves by the
**reduced discrete map** (one gradient step of size ``η`` per epoch)::

    a ← a + η b (A - K a b),   b ← b + η a (A - K a b),   A = N̄/d,  K = D̄/d.

With the population values ``A = (T-2) κ1``, ``K = (T-2) κ2 + κ3 H_{T-2}`` (``E[N] = dA``, ``E[D] = dK``)
this is the noise-free prediction ``ab_e`` of the paper's training curves; its limit is Theorem 1's
``c* = A/K``. A finite training set replaces ``(A, K)`` by sample means — per output coordinate ``j``, since each
diagonal pair ``(a_j, b_j)`` is driven by its own coordinate's statistics ``(N̄_j, D̄_j)`` — so the trained ``ab_e``
is a smooth function of those means; its **standard error** follows from the delta method,
``SE² = ∇fᵀ Σ ∇f / m`` with ``Σ`` the sample covariance of the per-sequence statistics and ``∇f`` computed exactly
by forward-mode differentiation of the maps at the sample point (the usual plug-in). With pooled statistics
this is, at convergence, the ratio estimator's ``sd(N - ĉ D)/(√m D̄)``
(:func:`mesatheory.routes.montecarlo.ratio_estimate`).

What this does not cover: the off-diagonal entries of the full model (and, for laws whose coordinates interact,
the coupling between the diagonal pairs) fit the same sample and shift the trained ``ab`` at second order; the
reproduction reports the trained value next to the empirical diagonal minimiser ``N̄/D̄`` so that part is visible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import MesatheoryError
from ..laws import Kappas
from .closed_form import stiffness


def reduced_gd(A: float | np.ndarray, K: float | np.ndarray, lr: float, a0: float, b0: float, epochs: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ab_e`` for ``e = 0..epochs`` and its derivatives ``∂ab_e/∂A``, ``∂ab_e/∂K`` (forward mode).

    Args:
        A: the drive ``N̄/d`` (population: ``(T-2) κ1``); a float or an array of independent maps (e.g. one per
            coordinate).
        K: the stiffness ``D̄/d`` (population: ``(T-2) κ2 + κ3 H_{T-2}``), broadcast with ``A``.
        lr: the learning rate ``η``.
        a0: the initial ``a``.
        b0: the initial ``b``.
        epochs: the number of gradient steps.

    Returns:
        ``(ab, ∂ab/∂A, ∂ab/∂K)``, each of shape ``(epochs + 1, *A.shape)``; row ``e`` is after ``e`` steps.

    Raises:
        MesatheoryError: ``epochs < 0`` or ``lr ≤ 0``.
    """
    if epochs < 0 or not lr > 0:
        raise MesatheoryError(f"need epochs ≥ 0 and lr > 0 (got {epochs}, {lr})")
    A, K = np.broadcast_arrays(np.asarray(A, dtype=np.float64), np.asarray(K, dtype=np.float64))
    a, b = np.full(A.shape, float(a0)), np.full(A.shape, float(b0))
    daA, dbA, daK, dbK = (np.zeros(A.shape) for _ in range(4))
    ab = np.empty((epochs + 1,) + A.shape)
    dabA, dabK = np.empty_like(ab), np.empty_like(ab)
    for e in range(epochs + 1):
        ab[e] = a * b
        dabA[e] = daA * b + a * dbA
        dabK[e] = daK * b + a * dbK
        if e == epochs:
            break
        g = A - K * a * b
        gA = 1.0 - K * dabA[e]
        gK = -a * b - K * dabK[e]
        a, b, daA, dbA, daK, dbK = (a + lr * b * g, b + lr * a * g,
                                    daA + lr * (dbA * g + b * gA), dbA + lr * (daA * g + a * gA),
                                    daK + lr * (dbK * g + b * gK), dbK + lr * (daK * g + a * gK))
    return ab, dabA, dabK


@dataclass(frozen=True)
class GDPrediction:
    """The population curve ``ab_e`` (exact κ's), its delta-method SE, and the empirical curve.

    Attributes:
        ab: population reduced-map prediction, ``epochs + 1`` values.
        se: standard error of a trained ``ab_e`` on this training set (same length).
        ab_empirical: the reduced maps with the training set's own statistics.
        c_star: Theorem 1's limit ``A/K``.
        c_empirical: the empirical diagonal minimiser ``N̄/D̄`` (pooled over coordinates); ``se_empirical`` its SE.
    """

    ab: np.ndarray
    se: np.ndarray
    ab_empirical: np.ndarray
    c_star: float
    c_empirical: float
    se_empirical: float


def gd_prediction(k: Kappas, d: int, T: int, lr: float, a0: float, b0: float, epochs: int,
            N: np.ndarray, D: np.ndarray) -> GDPrediction:
    """Population prediction and SE of the trained ``ab`` per epoch, from the training set's statistics.

    ``N``, ``D`` are either per sequence (shape ``(m,)``, summed over coordinates: one pooled map with
    ``(N̄/d, D̄/d)``) or per sequence and output coordinate (shape ``(m, d)``: coordinate ``j``'s diagonal pair
    moves with its own ``(N̄_j, D̄_j)`` and ``ab`` is their mean). The per-coordinate form is the default of the
    reproduction: it also carries the noise in how the sample is spread over coordinates, which the pooled form
    misses (for the sparse law ``N = D/c²`` for every sequence, so the pooled SE is zero, yet each coordinate only
    learns from the ``m_k`` sequences whose non-zero entry is ``k``). Both agree at first order when the
    coordinates are exchangeable; the SE is the delta method over all statistics jointly.

    Args:
        k: the law's exact moments.
        d: the dimension of ``x_1``.
        T: the sequence length.
        lr: the learning rate.
        a0: the initial ``a``.
        b0: the initial ``b``.
        epochs: the number of gradient steps.
        N: the training set's statistics ``N``, shape ``(m,)`` or ``(m, d)``.
        D: the training set's statistics ``D``, the same shape as ``N``.

    Returns:
        The population curve, its SE, the empirical curve and the two limits.

    Raises:
        MesatheoryError: ``epochs < 0`` or ``lr ≤ 0``.
    """
    A = float((T - 2) * k.k1)
    K = float(stiffness(k, T))
    ab, _, _ = reduced_gd(A, K, lr, a0, b0, epochs)
    m = len(N)
    stats_N, stats_D = (N[:, None] / d, D[:, None] / d) if N.ndim == 1 else (N, D)
    J = stats_N.shape[1]
    # delta method with the usual plug-in: derivatives at the sample point (as the ratio estimator does)
    emp, dA, dK = reduced_gd(stats_N.mean(axis=0), stats_D.mean(axis=0), lr, a0, b0, epochs)
    grad = np.concatenate([dA, dK], axis=1) / J                  # ∂ mean_j ab_j / ∂(N̄_j, D̄_j)
    cov = np.atleast_2d(np.cov(np.hstack([stats_N, stats_D]), rowvar=False, ddof=1))
    var = np.einsum("ei,ij,ej->e", grad, cov, grad) / m
    Np, Dp = (N, D) if N.ndim == 1 else (N.sum(axis=1), D.sum(axis=1))
    c_emp = float(Np.mean() / Dp.mean())
    se_emp = float(np.std(Np - c_emp * Dp, ddof=1) / np.sqrt(m) / Dp.mean())
    return GDPrediction(ab=ab, se=np.sqrt(np.maximum(var, 0.0)), ab_empirical=emp.mean(axis=1), c_star=A / K,
                        c_empirical=c_emp, se_empirical=se_emp)
