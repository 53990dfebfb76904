"""The exact population loss of the full model (every entry of ``W^{KQ}``, ``W^{PV}``), no sampling.

**The population loss is a quartic polynomial.** With the active blocks ``P`` (``d × 2d``) and ``Q`` (``2d × 2d``)
of :mod:`mesatheory.model.full` (the other entries have zero gradient) and ``ŷ'_t = (t-1) ŷ_t = P S_t Q z_t``::

    ŷ'_t[j] = Σ_α c_j(α) F_t(α),   c_j(α) = P[j,a] Q[b,c],   F_t(a,b,c) = S_t[a,b] z_t[c],   α = (a,b,c) ∈ [2d]³.

Index ``a = (β,k)`` means block ``β`` coordinate ``k`` (``x_t`` for ``β = 0``, ``x_{t-1}`` for ``β = 1``); likewise
``b = (γ,l)``, ``c = (δ,n)``. Since ``x_s = Λ^{s-1} x_1`` and ``x_0 = 0``,
``F_t(α) = x_{1k} x_{1l} x_{1n} φ_t(α)`` with the phase polynomial
``φ_t(α) = Σ_{s=1+max(β,γ)}^{t} λ^{(s-β-1) e_k - (s-γ-1) e_l + (t-δ-1) e_n}``. Because ``x_1`` and ``λ`` are
independent, every expectation factorises into an ``x_1`` moment and a phase moment::

    L(P, Q) = Σ_j [½ c_jᵀ M c_j - c_jᵀ ℓ_j] + ½ |positions| E||x_1||²
    M(α, α') = Σ_t (t-1)^{-2} E[x_k x_l x_n x_k' x_l' x_n'] · E[φ_t(α) conj φ_t(α')]
    ℓ_j(α)   = Σ_t (t-1)^{-1} E[x_j x_k x_l x_n] · E[λ̄_j^t φ_t(α)],

the sums over the loss positions ``t`` (``2..T-1`` for the training loss; one ``t`` for a per-position loss).

* Phase moments are exact by Parseval on the torus: ``E[λ^e conj(λ^{e'})] = [e = e']`` for integer exponent
  vectors, so ``E[φ_t(α) conj φ_t(α')]`` counts coinciding exponents — the same numbers the roots-of-unity grid
  :func:`mesatheory.routes.cubature.phase_rule` produces (the tests check this), without its ``(3T-2)^d`` points.
  They do not depend on the law: :func:`phase_tables` computes them once per ``(d, T, positions)``, counting five
  positions (from ``t = 4`` on the counts are quadratics in ``t``: :func:`_phase_tables`).
* ``x_1`` moments (degree ≤ 6 in each coordinate) come from :func:`mesatheory.routes.cubature.x1_rule`, exact to
  degree 7 per coordinate (a Gauss rule from the law's exact moments, or its atoms) — or, for the sampled route
  (:func:`phase_polynomials`), from draws of ``x_1``.

``M`` is sparse (11 % of its 10⁶ entries at ``d = 5``, ``T = 100``) and kept so. Parameters are real: the law is
invariant under ``λ → λ̄``, so the flow started from real parameters stays real.

:func:`population_tables` returns ``(M, lin, const)``; the loss and its gradient are those of the training loss
with sample means (one type, :class:`mesatheory.model.quartic.QuarticLoss`: ``from_law`` here, ``from_data`` on
a training set).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sps

from .. import paper
from ..errors import Unavailable
from ..laws import Law, get_law
from .cubature import x1_rule


def _phase_coefficients(d: int, T: int, t: int, only: np.ndarray | None = None
                        ) -> tuple[sps.csr_matrix, np.ndarray]:
    """The phase polynomials ``φ_t(α)`` at one position ``t`` as a sparse matrix (only the rows ``α ∈ only``,
    if given: the other rows are zero).

    Returns:
        ``(C_t, target)``: ``C_t`` with ``φ_t(α) = Σ_e C_t[α, e] λ^e`` (rows ``α``, columns encoded exponents)
        and the column index of ``λ^{t e_j}`` for each ``j`` (an all-zero column when no term has that exponent).
    """
    D2 = 2 * d
    base, off = 4 * T + 1, 2 * T
    # an exponent vector e (|e_i| ≤ 2T) is encoded as Σ_i (e_i + off)·base^i: linear in e, so each term's key is
    # K0 + (s-β-1)·B[k] - (s-γ-1)·B[l] + (t-δ-1)·B[n] with B = base^(0..d-1)
    B = base ** np.arange(d, dtype=np.int64)
    K0 = off * int(B.sum())
    rows, keys = [], []
    k, l, n = (g.ravel() for g in np.meshgrid(np.arange(d), np.arange(d), np.arange(d), indexing="ij"))
    for beta in (0, 1):
        for gamma in (0, 1):
            for delta in (0, 1):
                s = np.arange(1 + max(beta, gamma), t + 1, dtype=np.int64)
                if len(s) == 0:
                    continue
                alpha = ((beta * d + k) * D2 + gamma * d + l) * D2 + delta * d + n
                keep = np.isin(alpha, only) if only is not None else slice(None)
                alpha, kk, ll, nn = alpha[keep], k[keep], l[keep], n[keep]
                key = (K0 + (s[None, :] - beta - 1) * B[kk][:, None] - (s[None, :] - gamma - 1) * B[ll][:, None]
                       + (t - delta - 1) * B[nn][:, None])
                rows.append(np.repeat(alpha, len(s)))
                keys.append(key.ravel())
    rows_a, keys_a = np.concatenate(rows), np.concatenate(keys)
    targets = K0 + t * B
    uniq, col = np.unique(np.concatenate([keys_a, targets]), return_inverse=True)
    C = sps.csr_matrix((np.ones(len(rows_a)), (rows_a, col[:len(rows_a)])), shape=(D2**3, len(uniq)))
    return C, col[len(rows_a):]


@dataclass(frozen=True)
class PhaseTables:
    """The law-free phase moments of the population loss: ``M`` and ``ℓ`` before the ``x_1`` moments.

    Attributes:
        d: the dimension.
        T: the sequence length.
        positions: the loss positions ``t`` summed over.
        M: ``Σ_t (t-1)^{-2} E[φ_t(α) conj φ_t(α')]``, sparse ``(2d)³ × (2d)³``.
        lin: ``Σ_t (t-1)^{-1} E[λ̄_j^t φ_t(α)]``, shape ``(d, (2d)³)``.
    """

    d: int
    T: int
    positions: tuple[int, ...]
    M: sps.csr_matrix
    lin: np.ndarray


def population_work(d: int, T: int, positions: Sequence[int] | None = None) -> float:
    """The work of the exact tables: phase-polynomial terms ``8 d³ Σ_t t`` plus the ``(2d)⁶`` moment table.

    Measured on this project's machine: ``6·10⁶`` at the paper's ``d = 5, T = 100`` built in about 1 s when every
    position was counted; the phase part now counts five positions whatever ``T`` (:func:`_phase_tables`), so the
    estimate is pessimistic for large ``T`` (it still declines ``T = 2000`` at ``d = 5``).

    Args:
        d: the dimension.
        T: the sequence length.
        positions: the loss positions (default ``2..T-1``).

    Returns:
        The estimate, comparable with :data:`mesatheory.paper.POPULATION_WORK`.
    """
    ts = range(2, T) if positions is None else positions
    return 8.0 * d**3 * sum(ts) + (2.0 * d) ** 6


def check_work(d: int, T: int, positions: Sequence[int] | None = None) -> None:
    """Raise :class:`~mesatheory.errors.Unavailable` when the exact tables would exceed the budget.

    Args:
        d: the dimension.
        T: the sequence length.
        positions: the loss positions (default ``2..T-1``).

    Raises:
        Unavailable: :func:`population_work` exceeds :data:`mesatheory.paper.POPULATION_WORK`; the message gives
            the estimate and the largest ``T`` that fits at this ``d``.
    """
    work = population_work(d, T, positions)
    if work > paper.POPULATION_WORK:
        fit = largest_T(d)
        hint = f"T ≤ {fit} fits at d = {d}" if fit else f"no T fits at d = {d}"
        raise Unavailable(f"the exact population tables need {work:.2g} entries at d = {d}, T = {T} "
                          f"(budget {paper.POPULATION_WORK:.0e}; {hint})")


def largest_T(d: int) -> int | None:
    """The largest ``T`` whose training-loss tables fit the budget at dimension ``d`` (``None`` if no ``T ≥ 3``).

    Args:
        d: the dimension.

    Returns:
        The largest fitting ``T``, or ``None``.
    """
    if population_work(d, 3) > paper.POPULATION_WORK:
        return None
    low, high = 3, 4
    while population_work(d, high) <= paper.POPULATION_WORK:
        low, high = high, 2 * high
    while high - low > 1:                       # the work grows with T: bisect
        mid = (low + high) // 2
        low, high = (mid, high) if population_work(d, mid) <= paper.POPULATION_WORK else (low, mid)
    return low


def phase_tables(d: int, T: int, positions: Sequence[int] | None = None) -> PhaseTables:
    """The exact phase moments for ``(d, T)`` summed over ``positions`` (default ``2..T-1``), cached.

    Args:
        d: the dimension.
        T: the sequence length.
        positions: the loss positions ``t`` (each in ``2..T-1``).

    Returns:
        The tables; built once per ``(d, T, positions)`` and process.
    """
    return _phase_tables(d, T, tuple(range(2, T)) if positions is None else tuple(positions))


POLY_FROM = 4   # from this position on the phase moments are quadratics in t (see _phase_tables)


def _moments_at(d: int, T: int, t: int, rows: tuple[int, ...] | None) -> tuple[sps.csr_matrix, np.ndarray]:
    """``N_t = E[φ_t(α) conj φ_t(α')]`` (sparse) and ``ℓ_t[j] = E[λ̄_j^t φ_t(α)]`` at one position, counted exactly.

    ``T`` only sizes the exponent encoding of :func:`_phase_coefficients` (it must exceed ``t``).
    """
    C, target = _phase_coefficients(d, T, t, None if rows is None else np.asarray(rows))
    return (C @ C.T).tocsr(), np.stack([C[:, target[j]].toarray().ravel() for j in range(d)])


@lru_cache(maxsize=8)
def _phase_tables(d: int, T: int, positions: tuple[int, ...], rows: tuple[int, ...] | None = None) -> PhaseTables:
    """``M = Σ_t (t-1)^{-2} N_t`` and ``lin = Σ_t (t-1)^{-1} ℓ_t`` over ``positions``.

    **From t = POLY_FROM on, N_t and ℓ_t are quadratic polynomials in t**, entry by entry: each counts the pairs
    of terms ``(s, s')``, ``s, s' ∈ [1 + max(β,γ), t]``, whose exponent vectors coincide — lattice points of a
    polytope that grows linearly with ``t`` under equations whose coefficients are 0 or ±1 and whose constants
    are the offsets ``β, γ, δ ∈ {0, 1}``, so the count's pieces change only at small ``t`` (at most two factors
    ``t - const``: degree ≤ 2). Third differences of the counts vanish from ``t = 4`` on (checked for
    ``d = 1..7`` at every position up to t = 15 (d = 7), 21 (d = 6), 99 (d = 5), 59 (d = 4), 199 (d = 3), 299
    (d = 2) and 39 (d = 1);
    ``tests/routes/test_population_flow.py`` checks it for ``d ≤ 4`` up to t = 25, and the sums against the
    position-by-position count). So the positions below ``POLY_FROM`` are
    counted one by one and the others come from three counted positions,
    ``N_t = N_4 + (t-4) Δ_1 + (t-4)(t-5)/2 Δ_2`` (Newton's forward differences, exact integers), weighted by sums of
    ``(t-1)^{-2}`` over the positions: 5 counts instead of ``T - 2`` (measured: 0.024 s against 0.80 s at
    ``d = 5``, ``T = 100``; equal to 6.5e-16 relative, the same sparsity).
    """
    D2 = 2 * d
    M = sps.csr_matrix((D2**3, D2**3))
    lin = np.zeros((d, D2**3))
    for t in (t for t in positions if t < POLY_FROM):
        N, ell = _moments_at(d, T, t, rows)
        M = M + N / (t - 1) ** 2
        lin += ell / (t - 1)
    far = np.array([t for t in positions if t >= POLY_FROM], dtype=np.float64)
    if len(far):
        encode = max(T, POLY_FROM + 3)
        (N0, l0), (N1, l1), (N2, l2) = (_moments_at(d, encode, POLY_FROM + i, rows) for i in range(3))
        x = far - POLY_FROM
        basis = (np.ones_like(x), x, x * (x - 1) / 2)              # Newton's basis at t = 4, 5, 6, ...
        w2, w1 = [float(np.sum(b / (far - 1) ** 2)) for b in basis], [float(np.sum(b / (far - 1))) for b in basis]
        M = M + N0 * w2[0] + (N1 - N0) * w2[1] + (N2 - 2 * N1 + N0) * w2[2]
        lin += l0 * w1[0] + (l1 - l0) * w1[1] + (l2 - 2 * l1 + l0) * w1[2]
    M.sum_duplicates()
    M.eliminate_zeros()
    return PhaseTables(d=d, T=T, positions=positions, M=M.tocsr(), lin=lin)


def _alpha_coordinates(d: int) -> np.ndarray:
    """For every ``α = (a, b, c)``, the three coordinates ``(k, l, n)`` of ``x_1`` it multiplies: ``(3, (2d)³)``."""
    coord = np.arange(2 * d) % d
    k, l, n = np.meshgrid(coord, coord, coord, indexing="ij")
    return np.stack([k.ravel(), l.ravel(), n.ravel()])


def population_tables(law: Law | str, d: int, T: int, positions: Sequence[int] | None = None
                      ) -> tuple[sps.csr_matrix, np.ndarray, float]:
    """Combine the exact phase moments with the law's exact ``x_1`` moments (its cubature rule).

    The population loss is :class:`mesatheory.model.quartic.QuarticLoss` with these tables
    (:meth:`~mesatheory.model.quartic.QuarticLoss.from_law`).

    Args:
        law: a law or a spec string.
        d: the dimension.
        T: the sequence length.
        positions: the loss positions ``t`` (default ``2..T-1``, the training loss).

    Returns:
        ``(M, lin, const)``: the quadratic table (sparse, symmetric), the linear table ``(d, (2d)³)`` and
        ``½ |positions| E||x_1||²``.

    Raises:
        LawError: ``law`` is a spec that names no built-in law, or has a bad parameter.
        Unavailable: the tables exceed the budget (:func:`check_work`), or the ``x_1`` rule needs a moment
            that is infinite.
    """
    law = get_law(law)
    check_work(d, T, positions)
    phases = phase_tables(d, T, positions)
    X, weights = x1_rule(law, d)                 # points (q, d) and weights (q,)
    kln = _alpha_coordinates(d)
    f3 = X[:, kln[0]] * X[:, kln[1]] * X[:, kln[2]]     # x_k x_l x_n for every α: (q, (2d)³)
    coo = phases.M.tocoo()
    moments6 = (f3 * weights[:, None]).T @ f3          # E[x_k x_l x_n x_k' x_l' x_n'] (one BLAS product)
    M = sps.csr_matrix((coo.data * moments6[coo.row, coo.col], (coo.row, coo.col)), shape=coo.shape)
    lin = phases.lin * np.einsum("q,qj,qa->ja", weights, X, f3)   # × E[x_j x_k x_l x_n]
    const = 0.5 * len(phases.positions) * float(weights @ np.sum(X**2, axis=1))
    return M, lin, const


def _diagonal_alpha(d: int) -> np.ndarray:
    """``α_{jk} = ((0, j), (1, k), (0, k))``: the entries the diagonal point ``(a I, b I)`` uses, ``(d, d)``."""
    D2 = 2 * d
    j, k = np.meshgrid(np.arange(d), np.arange(d), indexing="ij")
    return (j * D2 + d + k) * D2 + k


@lru_cache(maxsize=8)
def phase_polynomials(d: int, T: int, positions: tuple[int, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The diagonal model's loss statistics averaged exactly over the phases, as polynomials in ``y = x_1²``.

    ``E[N | x_1] = Σ_{j,k} Φ_N[j,k] y_j y_k`` and ``E[D | x_1] = Σ_{j,k,k'} Φ_D[j,k,k'] y_j y_k y_k'``: the
    coefficients are the phase tables at the entries ``α_{jk}`` the diagonal point uses (no ``x_1`` moment and no
    closed form enters; the sampled route of Theorem 1 averages these over draws of ``x_1``). Only those ``d²`` rows
    of the tables are built (measured: 20 ms at the paper's size, against 1 s for all of them).

    Args:
        d: the dimension.
        T: the sequence length.
        positions: the loss positions ``t`` the statistics sum over (default ``2..T-1``; ``(T-1,)`` for the loss
            at the last position).

    Returns:
        ``(Φ_N, Φ_D)`` of shapes ``(d, d)`` and ``(d, d, d)``.
    """
    alpha = _diagonal_alpha(d)
    phases = _phase_tables(d, T, tuple(range(2, T)) if positions is None else positions,
                           tuple(int(a) for a in alpha.ravel()))
    phi_n = phases.lin[np.arange(d)[:, None], alpha]
    dense = phases.M[alpha.ravel()][:, alpha.ravel()].toarray().reshape(d, d, d, d)
    phi_d = np.einsum("jkjl->jkl", dense)
    return phi_n, phi_d
