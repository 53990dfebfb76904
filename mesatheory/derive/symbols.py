"""The model of docs/paper.md §1–2 as SymPy objects, for an explicit dimension ``d``.

* ``x_j`` (``j = 1..d``): the real coordinates of the first token ``x_1``.
* ``λ_j``: the phases, ``W = diag(λ_1, …, λ_d)`` with ``|λ_j| = 1``; so the sequence is
  ``x_{s,j} = λ_j^{s-1} x_j`` and ``conj(x_{s,j}) = λ_j^{-(s-1)} x_j``.
* ``e_s = (0_d, x_s, x_{s-1}) ∈ C^{3d}`` with ``x_0 = 0``; ``E_t = (e_1, …, e_t)``; ``ρ_t = t - 1``.
* ``f_t = e_t + W^{PV} E_t (E_t^* W^{KQ} e_t)/ρ_t``, prediction ``ŷ_t = [f_t]_{1:d}``; since the first block
  of ``e_t`` is zero, ``ŷ_t = (1/ρ_t) Σ_{i=1}^{t} [W^{PV} e_i]_{1:d} (e_i^* W^{KQ} e_t)``.
* Joint moments of ``x_1``: ``M[p_1, …, p_d] = E[x_1^{p_1} ⋯ x_d^{p_d}]``.

A summand that contains ``x_{i-1}`` vanishes at ``i = 1`` (``x_0 = 0``): it is tagged with the marker
symbol ``ω`` and summed from ``i = 2`` (see :meth:`IndexedSum.from_summand`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .sums import IndexedSum, PhaseRule

MOMENT = sp.IndexedBase("M", real=True)
T = sp.Symbol("T", integer=True, positive=True)
A = sp.Symbol("a", real=True)
B = sp.Symbol("b", real=True)
C = sp.Symbol("c", real=True)
M2, K1, K2, K3 = sp.symbols("m_2 kappa_1 kappa_2 kappa_3", positive=True)
K3T = sp.Symbol("kappatilde_3", positive=True)   # κ̃3 = Σ_{r≠j} E[x_j⁴ x_r²] (κ3 with the powers swapped)


def moment(exponents: Sequence[int]) -> sp.Expr:
    """The joint-moment symbol ``M[p_1, …, p_d] = E[∏_j x_j^{p_j}]``.

    Args:
        exponents: the powers ``(p_1, …, p_d)``.

    Returns:
        The indexed symbol ``M[p_1, …, p_d]``.
    """
    return MOMENT[tuple(int(p) for p in exponents)]


def moment_exponents(symbol: sp.Indexed) -> tuple[int, ...]:
    """The exponents ``(p_1, …, p_d)`` of a moment symbol.

    Args:
        symbol: a symbol made by :func:`moment`.

    Returns:
        Its powers.
    """
    return tuple(int(p) for p in symbol.indices)


def moments_in(expr: sp.Expr) -> list[sp.Indexed]:
    """The moment symbols occurring in ``expr``, in a deterministic order.

    Args:
        expr: any SymPy expression.

    Returns:
        The symbols, sorted by their exponents.
    """
    return sorted(expr.atoms(sp.Indexed), key=moment_exponents)


@dataclass(frozen=True)
class Model:
    """The symbols of the model in dimension ``d``."""

    d: int

    @cached_property
    def x(self) -> tuple[sp.Symbol, ...]:
        """The real coordinates ``x_1, …, x_d`` of the first token."""
        return tuple(sp.Symbol(f"x_{j + 1}", real=True) for j in range(self.d))

    @cached_property
    def phases(self) -> tuple[sp.Symbol, ...]:
        """The phases ``λ_1, …, λ_d`` (``W = diag(λ_j)``)."""
        return tuple(sp.Symbol(f"lambda_{j + 1}", nonzero=True) for j in range(self.d))

    @cached_property
    def t(self) -> sp.Symbol:
        """The position ``t``, a positive integer symbol."""
        return sp.Symbol("t", integer=True, positive=True)

    @cached_property
    def index(self) -> sp.Symbol:
        """The summation index ``i`` of the prediction's sum."""
        return sp.Symbol("i", integer=True, positive=True)

    @cached_property
    def marker(self) -> sp.Symbol:
        """The marker ``ω`` of summands that contain ``x_{i-1}`` (they vanish at ``i = 1``)."""
        return sp.Symbol("omega")

    def rule(self, t_min: int = 2) -> PhaseRule:
        """The phase rule for this model's position symbol.

        Args:
            t_min: counts are decided for every integer ``t ≥ t_min``.

        Returns:
            ``PhaseRule(t, t_min)``.
        """
        return PhaseRule(self.t, t_min)

    def token(self, s: sp.Expr) -> sp.Matrix:
        """``x_s = W^{s-1} x_1``: entries ``λ_j^{s-1} x_j``.

        Args:
            s: the position (an integer or an expression).

        Returns:
            The ``d × 1`` column ``x_s``.
        """
        return sp.Matrix([lam**(s - 1) * xj for lam, xj in zip(self.phases, self.x)])

    def token_conj(self, s: sp.Expr) -> sp.Matrix:
        """``conj(x_s)``: entries ``λ_j^{-(s-1)} x_j`` (``|λ_j| = 1``, ``x_j`` real).

        Args:
            s: the position (an integer or an expression).

        Returns:
            The ``d × 1`` column ``conj(x_s)``.
        """
        return sp.Matrix([lam**(1 - s) * xj for lam, xj in zip(self.phases, self.x)])

    def embedding(self, s: sp.Expr, conj: bool = False, tag_previous: bool = False) -> sp.Matrix:
        """The embedding ``e_s = (0, x_s, x_{s-1})``, or its conjugate.

        Args:
            s: the position (an integer or an expression).
            conj: return ``conj(e_s)``.
            tag_previous: multiply the ``x_{s-1}`` block by the marker ``ω``.

        Returns:
            The ``3d × 1`` column.
        """
        tok = self.token_conj if conj else self.token
        prev = tok(s - 1) * (self.marker if tag_previous else 1)
        return sp.Matrix.vstack(sp.zeros(self.d, 1), tok(s), prev)

    def block_matrix(self, blocks: dict[tuple[int, int], sp.Matrix]) -> sp.Matrix:
        """A ``3d × 3d`` matrix from its non-zero blocks.

        Args:
            blocks: ``{(row block, column block): d×d block}`` (blocks 1-based).

        Returns:
            The matrix, zero outside the given blocks.
        """
        out = sp.zeros(3 * self.d, 3 * self.d)
        for (r, c), block in blocks.items():
            out[(r - 1) * self.d:r * self.d, (c - 1) * self.d:c * self.d] = block
        return out

    def diagonal_point(self, a: sp.Expr = A, b: sp.Expr = B) -> tuple[sp.Matrix, sp.Matrix]:
        """Assumption 1's form: ``W^{KQ}_{32} = a I``, ``W^{PV}_{12} = b I``, zero elsewhere.

        Args:
            a: the diagonal of ``W^{KQ}_{32}``.
            b: the diagonal of ``W^{PV}_{12}``.

        Returns:
            ``(W^{KQ}, W^{PV})``.
        """
        eye = sp.eye(self.d)
        return self.block_matrix({(3, 2): a * eye}), self.block_matrix({(1, 2): b * eye})

    def prediction_summand(self, kq: sp.Matrix, pv: sp.Matrix, t: sp.Expr) -> sp.Matrix:
        """``ρ_t`` times the ``i``-th summand of ``ŷ_t``: ``[W^{PV} e_i]_{1:d} (e_i^* W^{KQ} e_t)`` (tagged).

        Args:
            kq: ``W^{KQ}``.
            pv: ``W^{PV}``.
            t: the position.

        Returns:
            The ``d × 1`` summand in the index ``i``; terms with ``x_{i-1}`` carry the marker ``ω``.
        """
        i = self.index
        score = (self.embedding(i, conj=True, tag_previous=True).T * kq * self.embedding(t))[0, 0]
        values = (pv * self.embedding(i, tag_previous=True))[:self.d, 0]
        return values * score

    def prediction(self, kq: sp.Matrix, pv: sp.Matrix, t: sp.Expr | None = None) -> list[IndexedSum]:
        """``ŷ_t`` by components: ``Σ_{i=1}^{t}`` of :meth:`prediction_summand` over ``ρ_t``.

        Args:
            kq: ``W^{KQ}``.
            pv: ``W^{PV}``.
            t: an explicit position (default: the symbol ``t``).

        Returns:
            One formal sum per coordinate of ``ŷ_t``.
        """
        t = self.t if t is None else sp.Integer(t)
        summand = self.prediction_summand(kq, pv, t)
        return [IndexedSum.from_summand(summand[j], self.phases, self.index, (sp.Integer(1), t),
                                        marker=self.marker, marked_lower=sp.Integer(2)).scale(1 / (t - 1))
                for j in range(self.d)]

    def target(self, t: sp.Expr | None = None) -> list[IndexedSum]:
        """``x_{t+1}`` component by component.

        Args:
            t: an explicit position (default: the symbol ``t``).

        Returns:
            One (index-free) formal sum per coordinate.
        """
        t = self.t if t is None else sp.Integer(t)
        return [IndexedSum.from_summand(v, self.phases) for v in self.token(t + 1)]

    def expect_x(self, expr: sp.Expr) -> sp.Expr:
        """``E_{x_1}`` of a polynomial in ``x_1``: each monomial ``∏ x_j^{p_j}`` becomes ``M[p_1, …, p_d]``.

        Args:
            expr: a polynomial in :attr:`x` (free of phases).

        Returns:
            A linear combination of moment symbols.
        """
        poly = sp.Poly(sp.expand(expr), *self.x)
        return sp.Add(*[coef * moment(powers) for powers, coef in poly.terms()])

    def unit(self, j: int) -> tuple[int, ...]:
        """The exponent vector ``e_j``.

        Args:
            j: the coordinate (0-based).

        Returns:
            ``(0, …, 1, …, 0)`` with the 1 at ``j``.
        """
        return tuple(1 if k == j else 0 for k in range(self.d))


def population(model: Model, quantity: IndexedSum, t_min: int = 2) -> sp.Expr:
    """``E_{x_1} E_W[quantity]``: the phase rule, then moments of ``x_1``.

    Args:
        model: the model (its position symbol and coordinates).
        quantity: a formal sum over the phases.
        t_min: the phase rule decides counts for every ``t ≥ t_min``.

    Returns:
        A linear combination of moment symbols, for symbolic ``t``.

    Raises:
        Undecided: a count cannot be decided for every ``t ≥ t_min``.
    """
    return model.expect_x(quantity.expect_phases(model.rule(t_min)))
