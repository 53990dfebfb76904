"""How good the trained model is: Theorem 2 (paper's Proposition 4.1) and the recovery condition, exactly.

On the diagonal with ``c = ab``, the expected per-step loss at position ``t`` is (docs/paper.md §4)

    ℓ_t(c) = d · [½ c² (κ2 + κ3/(t-1)) - c κ1 + ½ m2],

and the trained model has ``c = c*(T) = κ1 / (κ2 + κ3 H_{T-2}/(T-2))``. As ``T → ∞``, ``H_{T-2}/(T-2) → 0``
so ``c* → κ1/κ2``, and at ``t → ∞`` the per-step loss tends to ``(d/2)(m2 - κ1²/κ2) ≥ 0`` (Cauchy–Schwarz:
``κ1² = E[x²·x³]² ≤ m2 κ2``), with equality iff ``x_j² ∈ {0, s²}`` almost surely.

Recovery (the paper's Assumption 4.2, in the two forms derived in docs/paper.md §4):

* **exact at every T**: the loss at every ``t`` vanishes at ``c*(T)`` — needs ``m2 κ2 = κ1²`` and ``κ3 = 0``;
* **asymptotic**: only the limit loss vanishes — ``m2 κ2 = κ1²`` with ``κ3 > 0``;
* **never**: ``m2 κ2 > κ1²``; the limit loss is positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..laws import Kappas
from .closed_form import product_from_kappas

LADDER = (10, 100, 1_000, 10_000)   # the sequence lengths along which the finite-T loss is shown


def per_step_loss(k: Kappas, d: int, c: sp.Expr, t: int | sp.Expr) -> sp.Expr:
    """The expected loss at position ``t`` on the diagonal, ``ℓ_t(c) = d [½ c² (κ2 + κ3/(t-1)) - c κ1 + ½ m2]``.

    Args:
        k: the law's moments.
        d: the dimension of ``x_1``.
        c: the product ``ab``.
        t: the position (an integer or a symbol).

    Returns:
        ``ℓ_t(c)``, exactly.
    """
    return d * (sp.Rational(1, 2) * c**2 * (k.k2 + k.k3 / (t - 1)) - c * k.k1 + sp.Rational(1, 2) * k.m2)


def trained_loss(k: Kappas, d: int, T: int) -> sp.Expr:
    """Exact loss of the trained model (``c = c*(T)``) at the last position ``t = T - 1``.

    Args:
        k: the law's moments.
        d: the dimension of ``x_1``.
        T: the sequence length.

    Returns:
        ``ℓ_{T-1}(c*(T))``.
    """
    return per_step_loss(k, d, product_from_kappas(k, T), T - 1)


# The limits T, t → ∞ are taken through h = H_{T-2}/(T-2) → 0 and u = 1/(t-1) → 0 (SymPy confirms both limits in
# the tests); the losses are rational, hence continuous, in h and u.
H_RATIO = sp.Symbol("h", nonnegative=True)    # h = H_{T-2}/(T-2)
INV_T = sp.Symbol("u", nonnegative=True)      # u = 1/(t-1)


def limit_product(k: Kappas) -> sp.Expr:
    """``lim_{T→∞} c*(T)``: ``c* = κ1/(κ2 + κ3 h)`` is continuous in ``h = H_{T-2}/(T-2) → 0``.

    Args:
        k: the law's moments.

    Returns:
        The limit, ``κ1/κ2`` (by ``sympy.limit``).
    """
    return sp.simplify(sp.limit(k.k1 / (k.k2 + k.k3 * H_RATIO), H_RATIO, 0))


def limit_loss(k: Kappas, d: int) -> sp.Expr:
    """``lim_{T, t→∞} ℓ_t(c*(T)) = (d/2)(m2 - κ1²/κ2)``: the loss is continuous in ``h`` and ``u = 1/(t-1)``.

    Args:
        k: the law's moments.
        d: the dimension of ``x_1``.

    Returns:
        The limit loss (by ``sympy.limit``, first in ``u`` then in ``h``).
    """
    c = k.k1 / (k.k2 + k.k3 * H_RATIO)
    loss = per_step_loss(k, d, c, 1 + 1 / INV_T)
    return sp.simplify(sp.limit(sp.limit(loss, INV_T, 0), H_RATIO, 0))


@dataclass(frozen=True)
class Recovery:
    """The recovery category of a law, with the identity that decides it."""

    category: str          # "exact at every T", "asymptotic (T → ∞)" or "never"
    explanation: str
    limit_loss: sp.Expr


def recovery(k: Kappas, d: int) -> Recovery:
    """Decide recovery exactly from ``m2 κ2 - κ1²`` (≥ 0) and ``κ3``.

    Args:
        k: the law's moments.
        d: the dimension of ``x_1``.

    Returns:
        The category (``"exact at every T"``, ``"asymptotic (T → ∞)"`` or ``"never"``), the identity that
        decides it, and the limit loss.
    """
    gap = sp.simplify(k.m2 * k.k2 - k.k1**2)
    loss = limit_loss(k, d)
    if gap != 0:
        return Recovery("never", f"m2·κ2 − κ1² = {gap} > 0: x² is not constant on its support away from 0, "
                                 f"so the limit loss (d/2)(m2 − κ1²/κ2) = {loss} > 0", loss)
    if k.k3 == 0:
        return Recovery("exact at every T", "m2·κ2 = κ1² (x² ∈ {0, s²}) and κ3 = 0 (one non-zero coordinate): "
                                            "the loss is 0 at every T", loss)
    return Recovery("asymptotic (T → ∞)", f"m2·κ2 = κ1² (x² ∈ {{0, s²}}) but κ3 = {k.k3} > 0: the loss at "
                                          "finite T is positive and tends to 0", loss)
