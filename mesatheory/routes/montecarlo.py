"""Monte-Carlo estimate of the population minimiser ``c* = E[N] / E[D]`` with a standard error.

Per sampled sequence, ``N = Σ_t Re⟨g_t, x_{t+1}⟩`` and ``D = Σ_t ||g_t||²`` come from the model's own
prediction (:func:`mesatheory.model.diagonal.loss_statistics`); the minimiser of the population AR loss on the
diagonal is ``E[N]/E[D]``. No closed form of the theory is used.

Two estimators from the same draws:

* **plain ratio** ``N̄ / D̄``, standard error by the delta method, ``sd(N - ĉ D) / (√n · D̄)``;
* **control variates** (the default): ``N`` and ``D`` are heavy-tailed polynomials of ``x_1`` (up to
  degree 6, so their variance involves ``E[x^12]``). We regress them on the symmetric even monomials of
  ``x_1`` of degree ≤ 6 — ``Σx_j², Σx_j⁴, Σx_j⁶, Σ_{j≠k}x_j²x_k², Σ_{j≠k}x_j²x_k⁴, Σ_{j,k,l≠}x_j²x_k²x_l²`` —
  whose means are the law's exact joint moments. The intercepts of the two regressions estimate
  ``E[N]``, ``E[D]`` whatever the true relation, so the estimator stays consistent for the true
  minimiser even if the theory were wrong; only its variance shrinks. The draws are split into
  ``B = 16`` interleaved batches, each with its own regression; the estimate is the mean of the ``B``
  batch estimates and its standard error their standard deviation over ``√B``. (A single pooled
  regression with a delta-method error understates the error for heavy-tailed laws, whose residual
  variance is itself estimated from ``x^24`` terms: measured over 16 seeds at ``d=5, T=100, n=8192``,
  the z-scores of the pooled version had standard deviation 1.7 for Laplace and 2.9 for the centred
  exponential; the batch version 1.4 and 1.2, and 0.93 for the Gaussian.)

Both need ``E[x^12] < ∞`` for their standard error to mean anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..laws import Law
from ..model.diagonal import loss_statistics
from ..model.process import sample_sequences

CHUNK = 2048  # sequences per chunk: fixed, so results do not depend on the machine
BATCHES = 16  # independent batches for the control-variate estimate and its standard error


@dataclass(frozen=True)
class Estimate:
    """A Monte-Carlo estimate with its standard error and the sample size."""

    value: float
    se: float
    n: int

    @property
    def relative_se(self) -> float:
        """``se / |value|`` (infinite when the value is 0)."""
        return self.se / abs(self.value) if self.value else float("inf")


@dataclass(frozen=True)
class ProductEstimate:
    """The control-variate estimate (used for verdicts) and the plain ratio estimate, same draws."""

    cv: Estimate
    plain: Estimate


def _monomial_patterns(d: int) -> list[tuple[int, ...]]:
    """Exponent patterns (sorted, descending) of the symmetric even monomials of degree ≤ 6 in d variables."""
    patterns = [(2,), (4,), (6,), (2, 2), (4, 2), (2, 2, 2)]
    return [p for p in patterns if len(p) <= d]


def _monomial_values(x1: np.ndarray, pattern: tuple[int, ...]) -> np.ndarray:
    """``Σ over ordered distinct index tuples of ∏ x_{j_i}^{p_i}`` for every row of ``x1``."""
    d = x1.shape[1]
    total = np.zeros(x1.shape[0])
    for idx in itertools.permutations(range(d), len(pattern)):
        term = np.ones(x1.shape[0])
        for j, p in zip(idx, pattern):
            term = term * x1[:, j] ** p
        total += term
    return total


def _monomial_mean(law: Law, d: int, pattern: tuple[int, ...]) -> float:
    """Exact mean of :func:`_monomial_values` from the law's joint moments."""
    total = sp.Integer(0)
    for idx in itertools.permutations(range(d), len(pattern)):
        exps = [0] * d
        for j, p in zip(idx, pattern):
            exps[j] = p
        total += law.joint_moment(exps)
    return float(total)


def sample_sequence_statistic(law: Law, d: int, T: int, n: int, seed: int,
                              statistic: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """``statistic(x1, X)`` (an array with one row per sequence) over ``n`` sampled sequences.

    Sequences are drawn in fixed-size chunks from ``default_rng(seed)``, so the same seed gives the same
    numbers bit for bit; the chunk shrinks for long sequences to bound memory (it depends only on
    ``T`` and ``d``).

    Args:
        law: the law of ``x_1``.
        d: the dimension.
        T: the sequence length.
        n: the number of sequences.
        seed: the seed of ``numpy.random.default_rng``.
        statistic: maps ``(x1, X)`` of a chunk (shapes ``(c, d)`` and ``(c, T, d)``) to one row per sequence.

    Returns:
        The rows of every chunk, concatenated (``n`` rows).
    """
    rng = np.random.default_rng(seed)
    chunk = int(min(CHUNK, max(16, 4_000_000 // (T * d))))
    parts = []
    for start in range(0, n, chunk):
        x1, X = sample_sequences(law, rng, min(chunk, n - start), d, T)
        parts.append(statistic(x1, X))
    return np.concatenate(parts)


def sample_statistics(law: Law, d: int, T: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x1, N, D)`` for ``n`` sampled sequences (see :func:`mesatheory.model.diagonal.loss_statistics`).

    Args:
        law: the law of ``x_1``.
        d: the dimension.
        T: the sequence length.
        n: the number of sequences.
        seed: the seed of the draws.

    Returns:
        ``x1`` of shape ``(n, d)`` and ``N``, ``D`` of shape ``(n,)``.
    """
    rows = sample_sequence_statistic(law, d, T, n, seed,
                                     lambda x1, X: np.column_stack([x1, *loss_statistics(X)]))
    return rows[:, :d], rows[:, d], rows[:, d + 1]


def mean_estimate(values: np.ndarray) -> Estimate:
    """Sample mean with standard error ``sd/√n``.

    Args:
        values: one value per draw.

    Returns:
        The mean, its standard error and ``n``.
    """
    n = len(values)
    return Estimate(float(values.mean()), float(values.std(ddof=1) / np.sqrt(n)), n)


def ratio_estimate(N: np.ndarray, D: np.ndarray) -> Estimate:
    """``N̄ / D̄`` with the delta-method standard error ``sd(N - ĉ D) / (√n D̄)``.

    Args:
        N: the per-sequence statistics ``N``.
        D: the per-sequence statistics ``D``.

    Returns:
        The ratio, its standard error and ``n``.
    """
    n = len(N)
    c = N.mean() / D.mean()
    se = np.std(N - c * D, ddof=1) / np.sqrt(n) / D.mean()
    return Estimate(float(c), float(se), n)


def control_variate_estimate(N: np.ndarray, D: np.ndarray, Z: np.ndarray) -> Estimate:
    """``ĉ = α_N / α_D`` where ``α`` are the intercepts of ``N, D`` regressed on centred controls ``Z``.

    Standard error: the residual standard deviation of ``N - ĉ D`` after the same regression, over
    ``√n · α_D``.

    Args:
        N: the per-sequence statistics ``N``, shape ``(n,)``.
        D: the per-sequence statistics ``D``, shape ``(n,)``.
        Z: the controls, shape ``(n, p)``, with exact mean zero.

    Returns:
        The estimate ``ĉ``, its standard error and ``n``.
    """
    n = len(N)
    design = np.column_stack([np.ones(n), Z])
    coef, *_ = np.linalg.lstsq(design, np.column_stack([N, D]), rcond=None)
    alpha_n, alpha_d = coef[0]
    c = alpha_n / alpha_d
    residual = (N - c * D) - design @ (coef[:, 0] - c * coef[:, 1])
    dof = max(n - np.linalg.matrix_rank(design), 1)
    se = np.sqrt(residual @ residual / dof) / np.sqrt(n) / alpha_d
    return Estimate(float(c), float(se), n)


def batch_estimate(N: np.ndarray, D: np.ndarray, Z: np.ndarray, batches: int = BATCHES) -> Estimate:
    """Mean of :func:`control_variate_estimate` over ``batches`` interleaved batches; SE from their spread.

    Args:
        N: the per-sequence statistics ``N``, shape ``(n,)``.
        D: the per-sequence statistics ``D``, shape ``(n,)``.
        Z: the centred controls, shape ``(n, p)``.
        batches: the number of batches (batch ``b`` holds the draws ``b, b + batches, …``).

    Returns:
        The mean of the batch estimates, its standard error ``sd/√batches`` and ``n``.
    """
    values = np.array([control_variate_estimate(N[b::batches], D[b::batches], Z[b::batches]).value
                       for b in range(batches)])
    return Estimate(float(values.mean()), float(values.std(ddof=1) / np.sqrt(batches)), len(N))


def estimate_product(law: Law, d: int, T: int, n: int, seed: int) -> ProductEstimate:
    """Estimate the population minimiser ``c*`` of the diagonal model's AR loss from ``n`` sequences.

    Args:
        law: the law of ``x_1``.
        d: the dimension.
        T: the sequence length.
        n: the number of sequences.
        seed: the seed of the draws.

    Returns:
        The control-variate (batch) estimate and the plain ratio estimate, from the same draws.
    """
    x1, N, D = sample_statistics(law, d, T, n, seed)
    patterns = _monomial_patterns(d)
    Z = np.column_stack([_monomial_values(x1, p) - _monomial_mean(law, d, p) for p in patterns])
    return ProductEstimate(cv=batch_estimate(N, D, Z), plain=ratio_estimate(N, D))
