"""The loss of the full model as an exact quartic polynomial with parameter-free coefficients.

With real active blocks ``P`` (``d × 2d``) and ``Q`` (``2d × 2d``, ``q = vec Q``), ``(t-1) ŷ_t = P S_t Q z_t`` is
``Σ_α c_j(α) F_t(α)`` with ``c_j(a,b,c) = P[j,a] Q[b,c]`` and ``F_t(a,b,c) = S_t[a,b] z_t[c]`` (see
:mod:`mesatheory.model.full`). Expanding ``½ Σ_t ||ŷ_t - x_{t+1}||²``::

    L(P, Q) = ½ Σ K4[a,bc,a',b'c'] (PᵀP)[a,a'] q_bc q_b'c' - Σ K2[j,a,bc] P[j,a] q_bc + ½ K0,
    K4 = E Re Σ_t (t-1)^{-2} conj F_t ⊗ F_t,   K2[j] = E Re Σ_t (t-1)^{-1} conj(x_{t+1,j}) F_t,
    K0 = E Σ_t ||x_{t+1}||²,

``t = 2..T-1`` (or the positions asked for), ``E`` the mean over a training set (:meth:`QuarticLoss.from_data`,
tables from :mod:`mesatheory.model.quartic_build`) or the expectation under a law
(:meth:`QuarticLoss.from_law`, the exact phase moments and ``x_1`` rule of :mod:`mesatheory.routes.population`).
One type, so gradient descent on a training set and gradient descent or flow on the population run on the same
code. The attribute names are the population code's: ``M = K4``, ``lin = K2``, ``const = ½ K0``.

Cost: the tables depend on the data only; an evaluation is two contractions of ``K4`` (``2·(2d)⁶``
multiply-adds), independent of ``m`` and ``T``.

**Cancellation.** Near a stationary point the gradient ``K4 c - K2`` is a small difference of large terms, so its
rounding error is of order ``ε·||K2||``, not ``ε·||∇L||`` — as for the per-sequence paths, whose gradient
``Σ_n Σ_t r_t X_t`` cancels the same way. Measured at a trained point (Gaussian σ = 1, d = 5, T = 100, m = 2000,
150 epochs at lr 1e-4: ``||∇L|| = 0.79``, ``||K2|| = 676``): quartic against spectral gradient 1.05e-12 relative,
both with float64 and with long-double contractions (1.07e-12) — the error sits in the tables' float64 sums over
sequences, not in the evaluation, which therefore stays in float64 (13× faster than long double).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sps

from ..laws import Law
from .full import LastPosition
from .parameters import diagonal_blocks
from .spectral import single_threaded_blas


@dataclass(frozen=True)
class QuarticLoss:
    """``L(P, Q)`` of real active blocks as the quartic of the module docstring.

    Attributes:
        d: the dimension.
        T: the sequence length.
        M: ``K4``, shape ``((2d)³, (2d)³)``, symmetric (dense from data; sparse from a law, where 11 % of its
            entries are non-zero at ``d = 5``).
        lin: ``K2``, shape ``(d, (2d)³)``.
        const: ``½ K0``.
    """

    d: int
    T: int
    M: np.ndarray | sps.csr_matrix
    lin: np.ndarray
    const: float

    @classmethod
    def from_data(cls, x1: np.ndarray, theta: np.ndarray, T: int,
                  progress: Callable[[float], None] | None = None) -> QuarticLoss:
        """The training loss ``(1/m) Σ_n Σ_{t=2}^{T-1} ½||ŷ_t - x_{t+1}||²`` of AR sequences.

        Args:
            x1: first tokens, real, shape ``(m, d)``.
            theta: phases, shape ``(m, d)`` (``λ = e^{iθ}``).
            T: the sequence length.
            progress: if given, called with the fraction of the build done.

        Returns:
            The loss with the training set's mean tables.
        """
        x1 = np.asarray(x1, dtype=np.float64)
        from .quartic_build import data_tables  # numba compiles on import: only training pays for it
        K4, K2, K0 = data_tables(x1, np.asarray(theta, dtype=np.float64), T, progress)
        m = len(x1)
        return cls(d=x1.shape[1], T=T, M=K4 / m, lin=K2 / m, const=0.5 * K0 / m)

    @classmethod
    def from_law(cls, law: Law | str, d: int, T: int, positions: Sequence[int] | None = None) -> QuarticLoss:
        """The exact population loss (expectations instead of sample means).

        Args:
            law: a :class:`~mesatheory.laws.Law` or a spec string.
            d: the dimension.
            T: the sequence length.
            positions: the loss positions ``t`` (default ``2..T-1``, the training loss).

        Returns:
            The exact population loss of the full model.

        Raises:
            LawError: ``law`` is a spec that names no built-in law, or has a bad parameter.
            Unavailable: the tables exceed the budget, or the ``x_1`` rule needs an infinite moment.
        """
        from ..routes.population import population_tables  # routes build on the model, not conversely
        M, lin, const = population_tables(law, d, T, positions)
        return cls(d=d, T=T, M=M, lin=lin, const=const)

    @classmethod
    def combine(cls, parts: Sequence[QuarticLoss], weights: Sequence[float]) -> QuarticLoss:
        """``Σ_i w_i L_i``: e.g. the mean loss of disjoint batches (``w_i = m_i / m``) or a jackknife replicate.

        Args:
            parts: losses of one ``d`` and ``T``.
            weights: one weight per part.

        Returns:
            The weighted sum of the tables.
        """
        first = parts[0]
        M, lin = weights[0] * first.M, weights[0] * first.lin
        for p, w in zip(parts[1:], weights[1:]):
            M = M + w * p.M
            lin = lin + w * p.lin
        return cls(d=first.d, T=first.T, M=M, lin=lin, const=float(sum(w * p.const for p, w in zip(parts, weights))))

    def scaled(self, factor: float) -> QuarticLoss:
        """The loss of the data ``x_1 → factor·x_1`` (same phases): ``K4·f⁶``, ``K2·f⁴``, ``K0·f²``.

        For a power of two ``factor`` every entry is the one a fresh build would give, bit for bit (each
        rounding of the build sees its operands scaled by a power of two).

        Args:
            factor: the scale of ``x_1``.

        Returns:
            The scaled loss.
        """
        return QuarticLoss(d=self.d, T=self.T, M=self.M * factor**6, lin=self.lin * factor**4,
                           const=self.const * factor**2)

    def coefficients(self, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """``c_j(a, bc) = P[j,a] Q[b,c]``: the loss is ``½ Σ_j c_jᵀ K4 c_j - Σ_j K2_j·c_j + ½ K0``.

        Args:
            P: the active block of ``W^{PV}`` (real), shape ``(d, 2d)``.
            Q: the active block of ``W^{KQ}`` (real), shape ``(2d, 2d)``.

        Returns:
            ``c`` of shape ``(d, (2d)³)``.
        """
        return (P[:, :, None] * Q.ravel()[None, None, :]).reshape(self.d, -1)

    @cached_property
    def _rows(self) -> np.ndarray | sps.csr_matrix:
        """``K4`` with rows ``(a, bc, a')`` and columns ``b'c'``: shape ``((2d)⁴, (2d)²)``, kept sparse if ``K4`` is
        (one sparse product per contraction: 6× faster than multiplying ``K4`` by ``I ⊗ q``, the same numbers)."""
        D2 = 2 * self.d
        if sps.issparse(self.M):
            return sps.csr_matrix(self.M.reshape((D2**4, D2 * D2)))
        return self.M.reshape(D2**4, D2 * D2)

    def _contract(self, q: np.ndarray) -> np.ndarray:
        """``Z[a, bc, a'] = Σ_{b'c'} K4[a,bc,a',b'c'] q_b'c'``, shape ``(2d, (2d)², 2d)``."""
        D2 = 2 * self.d
        return np.asarray(self._rows @ q).reshape(D2, D2 * D2, D2)

    def loss_and_grad(self, P: np.ndarray, Q: np.ndarray, want_grad: bool = True
                      ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """``L`` and ``(∂L/∂P, ∂L/∂Q)`` (the signature of :meth:`mesatheory.model.spectral.SpectralData.loss_and_grad`).

        ``Z[a, bc, a'] = Σ_{b'c'} K4[a,bc,a',b'c'] q_b'c'``, ``Y = Z·q`` (``2d × 2d``); then
        ``∂L/∂P = P Y - K2·q`` and ``∂L/∂q = Σ_{a,a'} (PᵀP)[a,a'] Z[a,:,a'] - Σ_{j,a} P[j,a] K2[j,a,:]``.

        Args:
            P: the active block of ``W^{PV}`` (real), shape ``(d, 2d)``.
            Q: the active block of ``W^{KQ}`` (real), shape ``(2d, 2d)``.
            want_grad: whether to compute the gradients.

        Returns:
            ``(L, ∂L/∂P, ∂L/∂Q)``, the gradients ``None`` without ``want_grad``.

        Raises:
            ValueError: complex parameters (the quartic form holds for real ones; see
                :mod:`mesatheory.reproduce.training` for the official complex mode).
        """
        if np.iscomplexobj(P) or np.iscomplexobj(Q):
            raise ValueError("the quartic loss takes real parameters")
        D2 = 2 * self.d
        q = np.asarray(Q, dtype=np.float64).ravel()
        Z = self._contract(q)
        Y = np.einsum("abA,b->aA", Z, q)
        G = P.T @ P
        K2 = self.lin.reshape(self.d, D2, D2 * D2)
        lin_P = K2 @ q                                             # (d, 2d): Σ_bc K2[j,a,bc] q_bc
        loss = 0.5 * float(np.sum(G * Y)) - float(np.sum(P * lin_P)) + self.const
        if not want_grad:
            return loss, None, None
        gP = P @ Y - lin_P
        gQ = np.einsum("aA,abA->b", G, Z) - np.einsum("ja,jab->b", P, K2)
        return loss, gP, gQ.reshape(D2, D2)

    def hvp(self, P: np.ndarray, Q: np.ndarray, dP: np.ndarray, dQ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The Hessian of ``L`` at ``(P, Q)`` applied to ``(dP, dQ)``: the derivative of :meth:`grad` along it.

        Differentiating :meth:`loss_and_grad`'s formulas: with ``Z`` and ``dZ = K4·dq`` (one more contraction of
        ``K4``), ``dY = dZ·q + Z·dq`` and ``dG = dPᵀP + PᵀdP``,
        ``H_P = dP Y + P dY - K2·dq`` and ``H_q = Σ dG[a,a'] Z[a,:,a'] + Σ G[a,a'] dZ[a,:,a'] - Σ dP[j,a] K2[j,a,:]``.

        Args:
            P: the active block of ``W^{PV}`` (real), shape ``(d, 2d)``.
            Q: the active block of ``W^{KQ}`` (real), shape ``(2d, 2d)``.
            dP: the direction's ``P`` part.
            dQ: the direction's ``Q`` part.

        Returns:
            ``(H_P, H_Q)``, of the shapes of ``P`` and ``Q``.
        """
        D2 = 2 * self.d
        q, dq = np.asarray(Q, dtype=np.float64).ravel(), np.asarray(dQ, dtype=np.float64).ravel()
        Z, dZ = self._contract(q), self._contract(dq)
        Y = np.einsum("abA,b->aA", Z, q)
        dY = np.einsum("abA,b->aA", dZ, q) + np.einsum("abA,b->aA", Z, dq)
        G, dG = P.T @ P, dP.T @ P + P.T @ dP
        K2 = self.lin.reshape(self.d, D2, D2 * D2)
        hP = dP @ Y + P @ dY - K2 @ dq
        hQ = np.einsum("aA,abA->b", dG, Z) + np.einsum("aA,abA->b", G, dZ) - np.einsum("ja,jab->b", dP, K2)
        return hP, hQ.reshape(D2, D2)

    def loss(self, P: np.ndarray, Q: np.ndarray) -> float:
        """``L(P, Q)``.

        Args:
            P: the active block of ``W^{PV}`` (real), shape ``(d, 2d)``.
            Q: the active block of ``W^{KQ}`` (real), shape ``(2d, 2d)``.

        Returns:
            The loss.
        """
        return self.loss_and_grad(P, Q, want_grad=False)[0]

    def grad(self, P: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(∂L/∂P, ∂L/∂Q)``.

        Args:
            P: the active block of ``W^{PV}`` (real), shape ``(d, 2d)``.
            Q: the active block of ``W^{KQ}`` (real), shape ``(2d, 2d)``.

        Returns:
            The gradients, of the shapes of ``P`` and ``Q``.
        """
        _, gP, gQ = self.loss_and_grad(P, Q)
        assert gP is not None and gQ is not None
        return gP, gQ

    def diagonal_statistics(self) -> tuple[float, float]:
        """``(E[N], E[D])`` of the diagonal model: on ``(a I, b I)`` the loss is ``½ c² E[D] − c E[N] + const``.

        Returns:
            ``E[N] = Σ_j u_jᵀ K2_j`` and ``E[D] = Σ_j u_jᵀ K4 u_j`` with ``u`` the coefficients at ``a = b = 1``;
            the minimiser on the diagonal is their ratio.
        """
        u = self.coefficients(*diagonal_blocks(self.d, 1.0, 1.0))
        return float(np.sum(u * self.lin)), float(np.sum(u * (self.M @ u.T).T))


LAST_CHUNK = 1000        # test sequences per chunk of the last-position tables (F: 16 MB at d = 5)


def last_position_tables(last: LastPosition) -> tuple[QuarticLoss, np.ndarray]:
    """The test metrics at ``t = T-1`` as a quartic and a linear form in ``c_j(α) = P[j,a] Q[b,c]``.

    With ``F(α) = S_{T-1}[a,b] z_{T-1}[c] / (T-2)`` (so ``ŷ_{T-1,j} = Σ_α c_j(α) F(α)``): the mean squared error
    ``mean_{n,j} |ŷ_j - x_{T,j}|² = 2 L / d`` with ``L`` the quartic of tables ``Re mean conj F ⊗ F``,
    ``Re mean conj(x_{T,j}) F`` and ``mean ||x_T||²``; the mean ratio over pairs ``(n, j)`` with ``x_{T,j} ≠ 0``,
    ``mean Re ŷ_j / x_{T,j} = Σ_{j,α} c_j(α) R[j,α]`` with ``R[j] = mean_{n: x_{T,j} ≠ 0} Re F / x_{T,j}`` weighted
    by the number of such pairs. One real Gram product per chunk of sequences; afterwards each metric costs
    ``O((2d)⁶)`` or ``O(d (2d)³)``, not ``O(m_test d²)``.

    Args:
        last: the test sequences' last-position data.

    Returns:
        ``(mse_loss, R)``: the quartic (its ``T`` is the sequences') and the ratio table ``(d, (2d)³)``.
    """
    n, D2, _ = last.S.shape
    d = D2 // 2
    K4 = np.zeros((D2**3, D2**3))
    K2 = np.zeros((d, D2**3))
    R = np.zeros((d, D2**3))
    x = last.target
    nz = x != 0
    inv = np.where(nz, 1.0 / np.where(nz, x, 1.0), 0.0)
    with single_threaded_blas():               # measured: 2.6 s at m_test = 10 000, d = 5 (2× slower threaded)
        for s in range(0, n, LAST_CHUNK):
            sl = slice(s, s + LAST_CHUNK)
            F = (last.S[sl, :, :, None] * last.z[sl, None, None, :]).reshape(-1, D2**3) / (last.T - 2)
            parts = np.concatenate([F.real, F.imag])      # one contiguous operand: BLAS's syrk for partsᵀ·parts
            K4 += parts.T @ parts                          # (half the flops of two products; measured 2× faster)
            K2 += (x[sl].conj().T @ F).real
            R += (inv[sl].T @ F).real
    count = max(int(np.count_nonzero(nz)), 1)
    mse = QuarticLoss(d=d, T=last.T, M=K4 / n, lin=K2 / n, const=0.5 * float(np.sum(np.abs(x) ** 2)) / n)
    return mse, R / count
