"""Closed forms of the theory (exact SymPy numbers).

With ``K = (T-2)·κ2 + κ3·H_{T-2}`` (``H_n`` the harmonic number), Theorem 1 (paper's Theorem 4.1) gives
the product at convergence ``c* = ã·b̃ = (T-2)·κ1 / K = κ1 / (κ2 + κ3·H_{T-2}/(T-2))``.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .. import paper, validate
from ..errors import LawError
from ..laws import Kappas, Law, get_law, kappas


def _harmonic_parts(a: int, b: int) -> tuple[int, int]:
    """``Σ_{k=a}^{b-1} 1/k`` as an unreduced fraction ``(p, q)``, by binary splitting."""
    if b - a == 1:
        return 1, a
    mid = (a + b) // 2
    p1, q1 = _harmonic_parts(a, mid)
    p2, q2 = _harmonic_parts(mid, b)
    return p1 * q2 + p2 * q1, q1 * q2


@lru_cache(maxsize=256)
def harmonic(n: int | sp.Expr) -> sp.Expr:
    """The harmonic number ``H_n = Σ_{k=1}^{n} 1/k``.

    For an integer ``n`` it is computed by binary splitting with one gcd at the end (SymPy's ``harmonic(9998)``
    takes seconds).

    Args:
        n: an integer, or a symbolic expression.

    Returns:
        An exact rational for integer ``n``, ``sympy.harmonic(n)`` otherwise.
    """
    if isinstance(n, (int, sp.Integer)):
        n = int(n)
        return sp.Integer(0) if n == 0 else sp.Rational(*_harmonic_parts(1, n + 1))
    return sp.harmonic(n)


def stiffness(k: Kappas, T: int | sp.Expr) -> sp.Expr:
    """The stiffness ``K = Σ_{t=2}^{T-1} (κ2 + κ3/(t-1)) = (T-2)·κ2 + κ3·H_{T-2}``.

    Args:
        k: the law's moments.
        T: the sequence length (an integer or a symbol).

    Returns:
        ``K``, exactly.
    """
    return (T - 2) * k.k2 + k.k3 * harmonic(T - 2)


def product_from_kappas(k: Kappas, T: int | sp.Expr) -> sp.Expr:
    """Theorem 1's product ``c* = κ1 / (κ2 + κ3·H_{T-2}/(T-2))`` from the moments.

    Args:
        k: the law's moments.
        T: the sequence length (an integer or a symbol).

    Returns:
        ``c*``, exactly (a rational when the κ's and ``T`` are numbers).
    """
    return (T - 2) * k.k1 / stiffness(k, T)


def theorem1_product(law: Law | str, d: int = 5, T: int = 100) -> sp.Expr:
    """The exact limit ``ã·b̃`` of Theorem 1 (the paper's Theorem 4.1).

    Args:
        law: a :class:`Law` or a spec string such as ``"gaussian:sigma=2"``.
        d: the dimension of ``x_1``.
        T: the sequence length.

    Returns:
        ``κ1 / (κ2 + κ3·H_{T-2}/(T-2))`` with the law's exact moments.

    Raises:
        LawError: ``law`` is a spec that names no built-in law, or has a bad parameter, or infinite κ's.
        InputError: ``d`` or ``T`` is not a whole number in its range.
    """
    d, T = validate.whole("d", d, 1, paper.CLI_MAX_D), validate.whole("T", T, 3, paper.CLI_MAX_T)
    k = kappas(get_law(law), d)
    if not k.finite:
        raise LawError(f"Theorem 1's product needs finite κ's; this law has m2 = {k.m2}, κ1 = {k.k1}, κ2 = {k.k2}, "
                       f"κ3 = {k.k3}")
    return product_from_kappas(k, T)
