"""Step 5, in the law's own parameters: the κ's, ``c*(T, d)``, its limit, the limit loss and recovery, symbolically.

A built-in family is rebuilt with its parameters as positive SymPy symbols (:data:`PARAMETER_SYMBOLS`: ``σ`` of
the Gaussian, ``w`` the uniform's width, ``c`` a scale, ``ν`` Student's degrees of freedom, ``r`` a rate or a
radius, ``k`` a shape, ``ρ`` a correlation), and
everything is derived from that copy by SymPy:

* the moments ``E[x^p]`` of one coordinate (:func:`symbolic_moment`; a moment that exists only on part of the
  parameter range, such as ``E[t^6]`` for ``ν > 6``, keeps SymPy's convergent branch and records its condition);
  for i.i.d. families ``κ3 = (d − 1) E[x²] E[x⁴]`` with ``d`` a symbol, for atomic families the κ's at the
  report's ``d`` from the symbolic atoms;
* ``c*(T, d)`` — the derived fixed point of :mod:`.dynamics` with those κ's — its ``T → ∞`` limit, the limit loss
  and the recovery decision (:mod:`mesatheory.theory.limits`, which accept symbolic κ's).

Student's t has no moment-generating function and SymPy cannot integrate its density for symbolic ``ν``; its copy
is the Gaussian scale mixture ``t = g·√(ν/V)``, ``g ~ N(0, 1)``, ``V ~ χ²_ν`` independent (the definition of
Student's t), whose moments factorise. Every symbolic result is checked against the numeric derivation at the
law's own parameter values (:func:`derive_symbolic` raises if they differ), so a wrong copy cannot pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy as sp
import sympy.stats as st

from ..laws import FAMILIES, Kappas, Law, coordinate_kappas, decide_assumption2
from ..theory import limit_loss, limit_product, recovery
from .dynamics import flow_facts
from .symbols import K1, K2, K3, M2, T

D_SYMBOL = sp.Symbol("d", integer=True, positive=True)
PARAMETER_SYMBOLS: dict[str, sp.Symbol] = {
    "sigma": sp.Symbol("sigma", positive=True), "width": sp.Symbol("w", positive=True),
    "scale": sp.Symbol("c", positive=True), "nu": sp.Symbol("nu", positive=True),
    "rate": sp.Symbol("r", positive=True), "shape": sp.Symbol("k", positive=True),
    "rho": sp.Symbol("rho", nonnegative=True), "radius": sp.Symbol("r", positive=True),
    "ratio": sp.Symbol("q", positive=True)}


def _student_t(nu: sp.Expr, scale: sp.Expr) -> sp.Expr:
    """``scale · g·√(ν/V)``: Student's t as the Gaussian scale mixture that defines it."""
    return scale * st.Normal("g", 0, 1) * sp.sqrt(nu / st.ChiSquared("v", nu))


SYMBOLIC_COPIES = {"student_t": _student_t}   # families whose own SymPy variable SymPy cannot integrate symbolically


def _expectation(expr: sp.Expr) -> tuple[sp.Expr, list[sp.Basic]]:
    """``E[expr]`` for ``expr`` in one random symbol: the convergent branch of SymPy's result and its condition."""
    value = st.E(expr)
    conditions: list[sp.Basic] = []
    if isinstance(value, sp.Piecewise):
        value, condition = next((e, c) for e, c in value.args if not e.has(sp.Integral))
        if condition is not sp.true:
            conditions.append(condition)
    return sp.simplify(value), conditions


def symbolic_moment(rv: sp.Expr, p: int) -> tuple[sp.Expr, list[sp.Basic]]:
    """``E[rv^p]`` for symbolic parameters, with the conditions under which it is finite.

    A product of powers of independent random symbols factorises, ``E[∏ Y_i^{q_i}] = ∏ E[Y_i^{q_i}]``;
    an expression in one random symbol goes to ``sympy.stats.E`` directly.

    Args:
        rv: the random expression of one coordinate (parameters as symbols).
        p: the power.

    Returns:
        ``(moment, conditions)``: the moment, and the parameter conditions of its convergent branch (empty when
        it exists for every parameter value).
    """
    if p == 0:
        return sp.Integer(1), []
    power = sp.powsimp(sp.expand_power_base(rv**p, force=True), force=True)
    if len(st.random_symbols(power)) == 1:
        return _expectation(power)
    value, conditions = sp.Integer(1), []
    for factor in sp.Mul.make_args(power):
        if not st.random_symbols(factor):
            value *= factor
            continue
        moment, more = _expectation(factor)
        value *= moment
        conditions += more
    return sp.simplify(value), conditions


@dataclass(frozen=True)
class SymbolicDerivation:
    """The symbolic results of one family (SymPy expressions in its parameter symbols and ``T``, ``d``).

    Attributes:
        family: the family's name; ``values``: the parameter symbols → the law's values.
        kappas: ``m2, κ1, κ2, κ3`` (``κ3`` in the symbol ``d`` for i.i.d. families, at ``d`` for atomic ones).
        d: the symbol ``d`` (i.i.d.) or the explicit dimension (atomic).
        conditions: parameter conditions under which the κ's are finite (e.g. ``ν > 6``).
        assumption2: whether Assumption 2 holds (under ``conditions``), with the reason.
        product: ``c*(T, d)``; ``limit``: ``lim_{T→∞} c*``; ``limit_loss`` and ``recovery``: Theorem 2 and the
            recovery category (``None`` where Assumption 2 fails).
    """

    family: str
    values: dict[sp.Symbol, sp.Expr]
    kappas: Kappas
    d: sp.Expr
    conditions: tuple[sp.Basic, ...]
    assumption2: tuple[bool, str]
    product: sp.Expr
    limit: sp.Expr
    limit_loss: sp.Expr | None
    recovery: str | None

    def at_values(self, expr: sp.Expr, d: int) -> sp.Expr:
        """``expr`` at the law's parameter values and dimension ``d``.

        Args:
            expr: a symbolic result.
            d: the dimension.

        Returns:
            The exact value.
        """
        return sp.simplify(expr.subs(self.values).subs(D_SYMBOL, d))


def _symbolic_law(law: Law) -> Law:
    """The law's family rebuilt with its parameters as :data:`PARAMETER_SYMBOLS`."""
    symbols = {k: PARAMETER_SYMBOLS[k] for k in law.params}
    return FAMILIES[law.name].build(symbols)


def _iid_kappas(rv: sp.Expr) -> tuple[Kappas, sp.Expr, list[sp.Basic]]:
    """``(κ's with κ3 = (d − 1) m2 κ1, E[x], conditions)`` of an i.i.d. coordinate distributed as ``rv``."""
    moments, conditions = {}, []
    for p in (1, 2, 4, 6):
        moments[p], more = symbolic_moment(rv, p)
        conditions += [c for c in more if c not in conditions]
    k3 = (D_SYMBOL - 1) * moments[2] * moments[4]
    return Kappas(moments[2], moments[4], moments[6], k3), moments[1], conditions


def _harmonic_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` factored, each factor collected in ``H_{T−2}`` (the paper's ``5T + (d − 1)H_{T−2} − 10``)."""
    harmonic = sp.harmonic(T - 2)
    factored = sp.factor(sp.simplify(expr))
    def collected(base: sp.Expr) -> sp.Expr:
        parts = sp.collect(sp.expand(base), harmonic, evaluate=False)
        return sp.factor(parts.get(harmonic, 0)) * harmonic + parts.get(sp.Integer(1), 0)
    return sp.Mul(*[collected(b) ** e for b, e in (f.as_base_exp() for f in sp.Mul.make_args(factored))])


def derive_symbolic(law: Law, d: int) -> SymbolicDerivation:
    """The symbolic derivation of a built-in law's family, checked against the law's exact κ's at ``d``.

    Args:
        law: a built-in law (its family and parameter values).
        d: the dimension of the numbers (and of the κ's of atomic families).

    Returns:
        The symbolic results.

    Raises:
        AssertionError: the symbolic κ's at the law's values differ from its exact κ's at ``d``.
    """
    return _derive_symbolic(law.name, tuple(law.params.items()), d)


@lru_cache(maxsize=32)
def _derive_symbolic(name: str, params: tuple[tuple[str, sp.Rational], ...], d: int) -> SymbolicDerivation:
    """:func:`derive_symbolic`, cached by the family, its parameter values and ``d`` (not by the law object)."""
    law = FAMILIES[name].build(dict(params))
    values = {PARAMETER_SYMBOLS[k]: v for k, v in law.params.items()}
    copy = _symbolic_law(law)
    if law.iid:
        copier = SYMBOLIC_COPIES.get(law.name)
        rv = copier(**{k: PARAMETER_SYMBOLS[k] for k in law.params}) if copier else copy.rv  # type: ignore[attr-defined]
        k, mean, conditions = _iid_kappas(rv)
        dim: sp.Expr = D_SYMBOL
        where = f" for {sp.simplify(sp.And(*conditions))}" if conditions else ""
        holds = mean == 0
        reason = (f"i.i.d. coordinates with E[x] = 0 and E[x^6] < ∞{where}" if holds else f"E[x] = {mean} ≠ 0")
    else:
        k, conditions, dim = coordinate_kappas(copy, d, 0), [], sp.Integer(d)
        decision = decide_assumption2(copy, d)
        holds, reason = decision.holds, decision.reason
    numeric = coordinate_kappas(law, d, 0)
    for (name, sym), (_, num) in zip(k.items(), numeric.items()):
        if sp.simplify(sym.subs(values).subs(D_SYMBOL, d) - num) != 0:
            raise AssertionError(f"{law.spec}: the symbolic {name} = {sym} is {num} at the law's values")
    product = _harmonic_form(flow_facts().fixed_point.subs({K1: k.k1, K2: k.k2, K3: k.k3, M2: k.m2}))
    decided = recovery(k, dim) if holds else None
    condition = sp.simplify(sp.And(*conditions))
    kept = () if condition is sp.true else (condition,)
    return SymbolicDerivation(law.name, values, k, dim, kept, (holds, reason), product,
                              limit_product(k), limit_loss(k, dim) if holds else None,
                              decided.category if decided else None)




def symbolic_block(law: Law, d: int, T_value: int) -> dict[str, Any] | None:
    """The symbolic results of a built-in law's family with their values at the law's parameters, ``d`` and ``T``.

    Args:
        law: the law (a built-in family with parameters; anything else has no symbolic copy).
        d: the dimension of the values.
        T_value: the sequence length of the values.

    Returns:
        ``{"family", "parameters", "conditions", "assumption2", "recovery", "results"}`` with each result as
        ``{"name", "expression", "latex", "value", "float"}`` (``expression`` in SymPy's string form, ``H_{T−2}`` as
        ``harmonic(T - 2)``), or ``None`` for a law that is not a built-in family.
    """
    if law.name not in FAMILIES or not law.params:
        return None
    r = derive_symbolic(law, d)
    quantities = [*r.kappas.items(), ("product", r.product), ("limit", r.limit), ("limit_loss", r.limit_loss)]
    results = []
    for name, expr in quantities:
        if expr is None:
            continue
        value = r.at_values(sp.sympify(expr).subs(T, T_value), d)
        results.append({"name": name, "expression": sp.sstr(expr), "latex": sp.latex(expr), "value": sp.sstr(value),
                        "float": float(value) if value.is_finite else None})
    return {"family": r.family, "parameters": {str(s): str(v) for s, v in r.values.items()},
            "conditions": [sp.sstr(c) for c in r.conditions],
            "assumption2": {"holds": bool(r.assumption2[0]), "reason": r.assumption2[1]},
            "recovery": r.recovery, "results": results}


def symbolic_text(block: dict[str, Any] | None, d: int, T_value: int) -> str:
    """:func:`symbolic_block` as the lines ``verify --symbolic`` prints.

    Args:
        block: the block, or ``None`` (a user law).
        d: the dimension of the values.
        T_value: the sequence length of the values.

    Returns:
        One line per result, ``name  expression  = value``, with ``H`` for ``H_{T−2}``.
    """
    if block is None:
        return "symbolic: not available — only the built-in families have parameters to keep symbolic"
    names = ", ".join(f"{k} = {v}" for k, v in block["parameters"].items())
    where = f" for {', '.join(block['conditions'])}" if block["conditions"] else ""
    lines = [f"symbolic, in {block['family']}'s parameters{where} (H = H_(T-2); values at {names}, d = {d}, "
             f"T = {T_value}):"]
    width = max(len(r["expression"].replace("harmonic(T - 2)", "H")) for r in block["results"])
    for r in block["results"]:
        shown = r["value"] if len(r["value"]) <= 24 else f"{r['float']:.12g}"
        lines.append(f"  {r['name']:10s} {r['expression'].replace('harmonic(T - 2)', 'H'):{width}s}  = {shown}")
    decision = block["assumption2"]
    lines.append(f"  Assumption 2 {'holds' if decision['holds'] else 'violated'} ({decision['reason']}); recovery: "
                 f"{block['recovery'] or 'n/a'}")
    return "\n".join(lines)


__all__ = ["D_SYMBOL", "PARAMETER_SYMBOLS", "SymbolicDerivation", "derive_symbolic", "symbolic_block",
           "symbolic_moment", "symbolic_text"]
