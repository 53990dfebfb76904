"""Closed forms of the theory (exact SymPy numbers).

With ``K = (T-2)·κ2 + κ3·H_{T-2}`` (``H_n`` the harmonic number), Theorem 1 (paper's Theorem 4.1) gives
the product at convergence ``c* = ã·b̃ = (T-2)·κ1 / K = κ1 / (κ2 + κ3·H_{T-2}/(T-2))``.
"""

from __future__ import annotations

import sympy as sp

from .laws import Law
from .moments import Kappas, kappas


def stiffness(k: Kappas, T: int) -> sp.Expr:
    """``K = Σ_{t=2}^{T-1} (κ2 + κ3/(t-1)) = (T-2)·κ2 + κ3·H_{T-2}``."""
    return (T - 2) * k.k2 + k.k3 * sp.harmonic(T - 2)


def product_from_kappas(k: Kappas, T: int) -> sp.Expr:
    """``c* = κ1 / (κ2 + κ3·H_{T-2}/(T-2))``, exactly."""
    return sp.simplify((T - 2) * k.k1 / stiffness(k, T))


def theorem1_product(law: Law | str, d: int = 5, T: int = 100) -> sp.Expr:
    """The exact limit ``ã·b̃`` of Theorem 1 for ``law`` (a :class:`Law` or a spec string), ``d``, ``T``."""
    from .registry import get_law
    return product_from_kappas(kappas(get_law(law), d), T)
