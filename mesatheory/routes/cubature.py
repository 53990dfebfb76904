"""Exact expectations over ``(x_1, W)`` by cubature: no sampling noise and no use of the theory.

* **x_1**: an ``n``-point Gauss rule per coordinate built from the law's exact moments
  (Golub–Welsch from the Cholesky factor of the Hankel moment matrix, in mpmath at 50 digits), exact for
  polynomials of degree ``≤ 2n - 1`` in each coordinate; or the law's exact atoms when it has finite
  support. The loss statistics ``N, D`` are polynomials of degree ≤ 6 in each coordinate, so ``n = 4``.
* **phases**, two rules with equal weights:

  - :func:`phase_rule`, the ``M``-th roots of unity in each ``λ_j``. The average of ``λ^p`` over them is
    ``[M | p]``, equal to ``E[λ^p] = [p = 0]`` whenever ``|p| < M``. Every term of ``N`` and ``D`` is a product
    of at most six sequence entries ``x_{s,j} = λ_j^{s-1} x_{1,j}`` or their conjugates, so each exponent
    satisfies ``|p| ≤ 3(T-1)`` and ``M = 3T - 2`` makes the grid exact. It has ``M^d`` points: small sizes only.
  - :func:`lattice_rule`, a rank-1 lattice ``θ_n = 2π n z / N``, ``n = 0..N-1``, with ``z_k = k`` and ``N`` the
    smallest prime ``≥ max(T, d)``. It averages ``λ^e`` to ``[e·z ≡ 0 mod N]``, so it is exact for every
    statistic whose phase exponents are ``e = m (e_k − e_j)`` with ``|m| < T``: then ``e·z = m (k − j)`` is a
    product of two non-zero numbers below the prime ``N``. The ratio ``ŷ_{t,j} / x_{t+1,j}`` of the diagonal model
    is such a statistic (``x_{i+1,j} x̄_{i,k} x_{t,k} / x_{t+1,j} ∝ (λ_k λ̄_j)^{t-i}``), at ``N ≈ T`` points for any
    ``d`` instead of ``(3T-2)^d``.

:func:`cubature_size` says how large the grid rule is, so a caller can decline when ``d`` and ``T`` are too large.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ..errors import Unavailable
from ..laws import Law
from ..laws.joint import JointLaw
from ..model.diagonal import loss_statistics
from ..model.process import sequences

GAUSS_NODES = 4          # exact to degree 7 per coordinate
MAX_WORK = 6e7           # points × T × d² above which cubature is declined (≈ a few seconds)
CHUNK = 4096


def gauss_rule_from_moments(moments: list[sp.Expr], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the ``n``-point Gauss rule for the moments ``μ_0..μ_{2n}`` (Golub–Welsch).

    With the Hankel matrix ``H_{ij} = μ_{i+j}`` (``0 ≤ i, j ≤ n``) factored as ``H = RᵀR``, the Jacobi
    matrix has diagonal ``α_k = r_{k,k+1}/r_{k,k} - r_{k-1,k}/r_{k-1,k-1}`` and off-diagonal
    ``β_k = r_{k+1,k+1}/r_{k,k}``; its eigenvalues are the nodes and ``μ_0 · v_{0}²`` the weights.

    Args:
        moments: the exact moments ``μ_0, …, μ_{2n}`` (at least ``2n + 1`` of them).
        n: the number of nodes.

    Returns:
        ``(nodes, weights)``, each of shape ``(n,)`` (computed at 50 digits, returned as float64).
    """
    with mpmath.workdps(50):
        H = mpmath.matrix(n + 1, n + 1)
        for i in range(n + 1):
            for j in range(n + 1):
                H[i, j] = mpmath.mpf(str(sp.N(moments[i + j], 60)))
        R = mpmath.cholesky(H).T  # upper triangular, H = RᵀR
        J = mpmath.matrix(n, n)
        for k in range(n):
            J[k, k] = R[k, k + 1] / R[k, k] - (R[k - 1, k] / R[k - 1, k - 1] if k > 0 else 0)
            if k + 1 < n:
                J[k, k + 1] = J[k + 1, k] = R[k + 1, k + 1] / R[k, k]
        nodes, vectors = mpmath.eigsy(J)
        weights = [H[0, 0] * vectors[0, k] ** 2 for k in range(n)]
        return np.array([float(v) for v in nodes]), np.array([float(w) for w in weights])


def x1_rule(law: Law, d: int, nodes: int = GAUSS_NODES) -> tuple[np.ndarray, np.ndarray]:
    """An exact rule for ``x_1``: the law's atoms, a joint law's own rule (:meth:`JointLaw.rule`), or a product Gauss
    rule (exact to degree ``2·nodes − 1`` per coordinate; degree 7 by default).

    Args:
        law: the law of ``x_1``.
        d: the dimension.
        nodes: Gauss nodes per coordinate.

    Returns:
        ``(points, weights)`` of shapes ``(q, d)`` and ``(q,)``.

    Raises:
        Unavailable: the Gauss rule needs a moment that is infinite.
    """
    atoms = law.atoms(d)
    if atoms is not None:
        points = np.array([[float(v) for v in vec] for _, vec in atoms], dtype=np.float64)
        return points, np.array([float(p) for p, _ in atoms])
    if isinstance(law, JointLaw):
        return law.rule(d)     # dependent coordinates: the law's own rule (or Unavailable with its reason)
    moments = [law.marginal_moment(p, 1) for p in range(2 * nodes + 1)]
    if not all(m.is_finite for m in moments):
        raise Unavailable(f"the Gauss rule needs E[x^{2 * nodes}] < ∞")
    points, weights = gauss_rule_from_moments(moments, nodes)
    grids = np.meshgrid(*([points] * d), indexing="ij")
    wgrids = np.meshgrid(*([weights] * d), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1), np.prod([w.ravel() for w in wgrids], axis=0)


def phase_rule(d: int, T: int) -> np.ndarray:
    """Phase points ``θ`` on the ``M = 3T-2`` roots-of-unity grid (equal weights).

    Args:
        d: the dimension.
        T: the sequence length.

    Returns:
        ``θ`` of shape ``(M^d, d)``.
    """
    M = 3 * T - 2
    angles = 2.0 * np.pi * np.arange(M) / M
    grids = np.meshgrid(*([angles] * d), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def lattice_rule(d: int, T: int) -> np.ndarray:
    """Phase points of the rank-1 lattice rule (equal weights; see the module docstring for when it is exact).

    Args:
        d: the dimension.
        T: the sequence length.

    Returns:
        ``θ`` of shape ``(N, d)``, ``N`` the smallest prime ``≥ max(T, d)``.
    """
    N = int(sp.nextprime(max(T, d) - 1))
    return 2.0 * np.pi * np.outer(np.arange(N), np.arange(d)) / N


def cubature_size(law: Law, d: int, T: int, nodes: int = GAUSS_NODES, phase_points: int | None = None) -> int:
    """Number of cubature points: ``x_1`` points (the law's atoms, or ``nodes^d``) × phase points.

    Args:
        law: the law of ``x_1``.
        d: the dimension.
        T: the sequence length.
        nodes: Gauss nodes per coordinate of ``x_1`` (where the law has no atoms).
        phase_points: the size of the phase rule (default: the grid of :func:`phase_rule`, ``(3T-2)^d``).

    Returns:
        The number of points of the product rule.
    """
    atoms = law.atoms(d)
    q = len(atoms) if atoms is not None else nodes**d
    return q * ((3 * T - 2) ** d if phase_points is None else phase_points)


@dataclass(frozen=True)
class PopulationStatistics:
    """Exact population ``E[N]`` and ``E[D]``; the minimiser is ``E[N]/E[D]``."""

    EN: float
    ED: float
    points: int

    @property
    def product(self) -> float:
        """The population minimiser ``E[N]/E[D]``."""
        return self.EN / self.ED


def expectation(law: Law, d: int, T: int, statistic: Callable[[np.ndarray], np.ndarray],
                max_work: float = MAX_WORK, lattice: bool = False, nodes: int = GAUSS_NODES) -> np.ndarray:
    """``E[statistic(X)]`` by a product rule: an ``x_1`` rule × a phase rule.

    ``statistic`` maps sequences ``X`` of shape ``(n, T, d)`` to an array ``(n, k)``; the result has
    shape ``(k,)``. With the grid (default) it is exact when each column is a polynomial of degree ``≤ 2·nodes − 1``
    in each coordinate of ``x_1`` whose phase exponents stay below ``3T - 2`` in absolute value; with
    ``lattice=True`` when, in addition, every phase exponent is ``m (e_k − e_j)``, ``|m| < T``.

    Args:
        law: the law of ``x_1``.
        d: the dimension.
        T: the sequence length.
        statistic: maps sequences ``(n, T, d)`` to an array ``(n, k)``.
        max_work: the largest ``points × T × d²`` accepted.
        lattice: use :func:`lattice_rule` instead of :func:`phase_rule`.
        nodes: Gauss nodes per coordinate of ``x_1`` (atoms are used where the law has them).

    Returns:
        The expectation, of shape ``(k,)``.

    Raises:
        Unavailable: a needed moment is infinite, or ``points × T × d²`` exceeds ``max_work``.
    """
    theta = lattice_rule(d, T) if lattice else None
    size = cubature_size(law, d, T, nodes, None if theta is None else len(theta))
    if size * T * d * d > max_work:
        raise Unavailable(
            f"the exact rule needs {size:.3g} points of {T} steps at d={d} "
            f"(limit {max_work:.0e} point·steps·d²); try e.g. --d 2 --T 12")
    points, weights = x1_rule(law, d, nodes)
    if theta is None:
        theta = phase_rule(d, T)
    total = 0.0
    for x, w in zip(points, weights):
        for start in range(0, len(theta), CHUNK):
            th = theta[start:start + CHUNK]
            total = total + w * statistic(sequences(np.broadcast_to(x, th.shape), th, T)).sum(axis=0)
    return np.asarray(total) / len(theta)


def population_statistics(law: Law, d: int, T: int, max_work: float = MAX_WORK) -> PopulationStatistics:
    """``E[N]``, ``E[D]`` of the diagonal model (see :func:`mesatheory.model.diagonal.loss_statistics`), exactly.

    Args:
        law: the law of ``x_1``.
        d: the dimension.
        T: the sequence length.
        max_work: the largest ``points × T × d²`` accepted.

    Returns:
        ``E[N]``, ``E[D]`` and the number of cubature points.

    Raises:
        Unavailable: a needed moment is infinite, or the rule is too large.
    """
    EN, ED = expectation(law, d, T, lambda X: np.stack(loss_statistics(X), axis=1), max_work)
    return PopulationStatistics(float(EN), float(ED), cubature_size(law, d, T))
