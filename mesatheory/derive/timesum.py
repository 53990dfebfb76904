"""Per-position expressions as Laurent polynomials in ``t - 1``, and their sum over ``t = 2..T-1``.

Per-position results are rational in ``t`` with denominators powers of ``t - 1`` (from ``ρ_t = t - 1``),
possibly with Kronecker deltas in ``t`` from the phase rule. With ``s = t - 1`` the sum runs over
``s = 1..T-2``, where ``Σ s^{-k}`` is the generalised harmonic number ``H^{(k)}_{T-2}`` (SymPy's
``harmonic(T-2, k)``; SymPy only produces harmonic numbers for sums starting at 1, hence the shift).
A delta ``δ_{t,t_0}`` picks the term ``t = t_0`` (for symbolic ``T`` this assumes ``T - 1 ≥ t_0``).
"""

from __future__ import annotations

import sympy as sp

_S = sp.Symbol("s", integer=True, positive=True)


def laurent_in_t(expr: sp.Expr, t: sp.Symbol) -> dict[int, sp.Expr]:
    """The Laurent coefficients in ``t - 1`` of an expression free of Kronecker deltas.

    Args:
        expr: a Laurent polynomial in ``t - 1``.
        t: the position symbol.

    Returns:
        ``{k: coefficient of (t-1)^k}``, highest power first, zero coefficients dropped.

    Raises:
        ValueError: a term is not a Laurent monomial in ``t - 1`` (e.g. it holds a Kronecker delta).
    """
    out: dict[int, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(sp.sympify(expr).subs(t, _S + 1))):
        coeff, power = term.as_coeff_exponent(_S)
        if coeff.has(_S) or not power.is_Integer:
            raise ValueError(f"{term} is not a Laurent monomial in t - 1")
        out[int(power)] = out.get(int(power), sp.Integer(0)) + coeff
    return {k: v for k, v in sorted(out.items(), reverse=True) if v != 0}


def as_laurent(expr: sp.Expr, t: sp.Symbol) -> sp.Expr:
    """``expr`` written as ``Σ_k c_k (t-1)^k`` with factored coefficients (for display).

    Args:
        expr: a Laurent polynomial in ``t - 1``.
        t: the position symbol.

    Returns:
        The rewritten expression.
    """
    return sp.Add(*[sp.factor(c) * (t - 1)**k for k, c in laurent_in_t(expr, t).items()])


def sum_over_t(expr: sp.Expr, t: sp.Symbol, T: int | sp.Expr) -> sp.Expr:
    """``Σ_{t=2}^{T-1} expr``: exact, by direct summation for an integer ``T``, in closed form otherwise.

    Args:
        expr: a Laurent polynomial in ``t - 1``, possibly with Kronecker deltas in ``t``.
        t: the position symbol.
        T: the sequence length (an integer or a symbol).

    Returns:
        The sum, with generalised harmonic numbers ``H^{(k)}_{T-2}`` for symbolic ``T``.
    """
    if isinstance(T, int) or getattr(T, "is_Integer", False):
        return sp.expand(sp.Add(*[expr.subs(t, k) for k in range(2, int(T))]))
    picked, smooth = sp.Integer(0), sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        deltas = [f for f in term.atoms(sp.KroneckerDelta) if f.has(t)]
        if deltas:
            (delta,) = deltas
            t0 = delta.args[0] if delta.args[1] == t else delta.args[1]
            picked += term.subs(delta, 1).subs(t, t0)
        else:
            smooth += term
    total = sp.Add(*[coeff * (sp.harmonic(T - 2, -power) if power < 0 else
                              sp.summation(_S**power, (_S, 1, T - 2)))
                     for power, coeff in laurent_in_t(smooth, t).items()])
    return sp.expand(total + picked)
