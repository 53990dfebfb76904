"""Formal sums over index ranges with symbolic bounds, and the phase-expectation rule.

A quantity of the model at position ``t`` is a finite sum of *terms*

    coef · ∏_j λ_j^{e_j(i_1, …, i_n, t)} · [summed over i_1 ∈ [lo_1, hi_1], …, i_n ∈ [lo_n, hi_n]],

where ``coef`` is free of the phases and of the summation indices, the exponents ``e_j`` are affine in the
indices and ``t``, and the bounds are affine in ``t``. Products of two sums rename the indices apart
(a double sum); ``conj`` uses ``|λ_j| = 1``, i.e. ``conj(λ_j) = λ_j^{-1}``.

**Phase-expectation rule.** With ``λ_j = e^{iθ_j}``, ``θ_j`` i.i.d. uniform, ``E[λ^p conj(λ)^q] = E[λ^{p-q}]
= δ_{pq}``: a term survives only where every exponent ``e_j`` vanishes. Inside a sum this restricts the
indices to the lattice points of ``{e_j = 0 ∀j}`` in the index box; the rule solves that affine system
(exact rational elimination), counts the points for symbolic ``t ≥ t_min`` (or explicit ``t``), and
returns ``coef × count``. An equation in ``t`` alone contributes a Kronecker delta in ``t``. When a count
depends on ``t`` in a way that is not one affine formula for all ``t ≥ t_min`` (e.g. a range that is empty
for small ``t``), :class:`Undecided` is raised and the caller raises ``t_min`` (handling smaller ``t``
explicitly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..errors import Undecided

Affine = dict[sp.Expr, Fraction]   # {symbol or 1: coefficient}
Ranges = tuple[tuple[sp.Expr, sp.Expr], ...]
Key = tuple[tuple[sp.Expr, ...], Ranges]


def index_symbol(k: int) -> sp.Symbol:
    """The ``k``-th summation index ``i_k``, an integer symbol.

    Args:
        k: the position of the index (1-based).

    Returns:
        The symbol ``i_k``.
    """
    return sp.Symbol(f"i_{k}", integer=True)


@dataclass(frozen=True)
class PhaseRule:
    """How the phase expectation treats the position ``t``.

    Attributes:
        t: the position symbol (absent from the terms when ``t`` has an explicit value).
        t_min: counts are decided for every integer ``t ≥ t_min``.
    """

    t: sp.Symbol
    t_min: int = 2


def _affine(expr: sp.Expr) -> Affine:
    """``expr`` as ``{symbol: coefficient, 1: constant}`` (exact); it must be affine."""
    out: Affine = {}
    for key, value in sp.expand(expr).as_coefficients_dict().items():
        if key != 1 and not key.is_Symbol:
            raise ValueError(f"exponent {expr} is not affine in the indices and t")
        out[key] = out.get(key, Fraction(0)) + Fraction(int(sp.numer(value)), int(sp.denom(value)))
    return {k: v for k, v in out.items() if v != 0}


def _to_expr(form: Affine) -> sp.Expr:
    return sp.Add(*[sp.Rational(v.numerator, v.denominator) * (k if k != 1 else 1) for k, v in form.items()])


def _combine(*pairs: tuple[Fraction, Affine]) -> Affine:
    out: Affine = {}
    for scale, form in pairs:
        for k, v in form.items():
            out[k] = out.get(k, Fraction(0)) + scale * v
    return {k: v for k, v in out.items() if v != 0}


class IndexedSum:
    """A finite sum of terms ``coef · ∏ λ_j^{e_j} `` summed over index boxes (see the module docstring).

    Terms with the same exponents and index box are merged (their coefficients added). Indices are
    positional: a term with ``n`` index ranges uses ``i_1, …, i_n``. ``phases`` are ``λ_1, …, λ_d``, in the
    order of the exponent tuples.
    """

    def __init__(self, phases: Sequence[sp.Symbol], terms: Mapping[Key, sp.Expr] | None = None):
        self.phases = tuple(phases)
        self.terms: dict[Key, sp.Expr] = {}
        for key, coef in (terms or {}).items():
            self._add(key, coef)

    def _add(self, key: Key, coef: sp.Expr) -> None:
        total = self.terms.get(key, sp.Integer(0)) + coef
        if total == 0:
            self.terms.pop(key, None)
        else:
            self.terms[key] = total

    @classmethod
    def from_summand(cls, expr: sp.Expr, phases: Sequence[sp.Symbol], index: sp.Symbol | None = None,
                     bounds: tuple[sp.Expr, sp.Expr] | None = None,
                     marker: sp.Symbol | None = None, marked_lower: sp.Expr | None = None) -> IndexedSum:
        """``Σ_{index=lo}^{hi} expr`` (or ``expr`` itself when ``index`` is ``None``).

        Args:
            expr: the summand, a sum of products of phase powers and phase-free coefficients.
            phases: the phase symbols ``λ_1, …, λ_d``.
            index: the summation index (renamed ``i_1``), or ``None`` for no sum.
            bounds: ``(lo, hi)``, needed with ``index``.
            marker: a symbol flagging factors that vanish below ``marked_lower`` (``x_{i-1}`` with
                ``x_0 = 0``): terms containing it are summed from ``max(lo, marked_lower)``; the marker is then
                set to 1.
            marked_lower: the lower bound of the marked terms.

        Returns:
            The formal sum.
        """
        out = cls(phases)
        i1 = index_symbol(1)
        for term in sp.Add.make_args(sp.expand(expr)):
            powers = term.as_powers_dict()
            exps = tuple(sp.expand(powers.pop(lam, 0)) for lam in phases)
            lo_hi: Ranges = ()
            if index is not None:
                assert bounds is not None
                lo, hi = bounds
                if marker is not None and powers.get(marker, 0) != 0:
                    lo = sp.Max(lo, marked_lower)
                lo_hi = ((lo, hi),)
                exps = tuple(e.xreplace({index: i1}) for e in exps)
            powers.pop(marker, None)
            coef = sp.Mul(*[b**e for b, e in powers.items()])
            if index is not None and coef.has(index):
                raise ValueError(f"coefficient {coef} depends on the summation index")
            out._add((exps, lo_hi), coef)
        return out

    def __add__(self, other: IndexedSum) -> IndexedSum:
        out = IndexedSum(self.phases, self.terms)
        for key, coef in other.terms.items():
            out._add(key, coef)
        return out

    def __neg__(self) -> IndexedSum:
        return self.scale(sp.Integer(-1))

    def __sub__(self, other: IndexedSum) -> IndexedSum:
        return self + (-other)

    def scale(self, factor: sp.Expr) -> IndexedSum:
        """``factor · self``.

        Args:
            factor: a coefficient free of phases and indices.

        Returns:
            The scaled sum.
        """
        return IndexedSum(self.phases, {k: factor * c for k, c in self.terms.items()})

    def conj(self) -> IndexedSum:
        """Complex conjugate: ``λ_j → λ_j^{-1}`` (``|λ_j| = 1``), coefficients conjugated (reals stay).

        Returns:
            The conjugate sum.
        """
        return IndexedSum(self.phases, {(tuple(-e for e in exps), rng): sp.conjugate(c)
                                   for (exps, rng), c in self.terms.items()})

    def __mul__(self, other: IndexedSum) -> IndexedSum:
        """The product, a sum over the union of both index boxes (``other``'s indices renamed apart)."""
        out = IndexedSum(self.phases)
        for (e1, r1), c1 in self.terms.items():
            for (e2, r2), c2 in other.terms.items():
                shift = {index_symbol(k + 1): index_symbol(k + 1 + len(r1)) for k in range(len(r2))}
                exps = tuple(a + b.xreplace(shift) for a, b in zip(e1, e2))
                out._add((exps, r1 + r2), c1 * c2)
        return out

    def shifted(self) -> IndexedSum:
        """Every single-index term re-indexed to start at ``i_1 = 1`` (a canonical form for comparing sums).

        Returns:
            The re-indexed sum, with equal terms merged.
        """
        out = IndexedSum(self.phases)
        i1 = index_symbol(1)
        for (exps, rng), c in self.terms.items():
            if len(rng) == 1 and rng[0][0] != 1:
                lo, hi = rng[0]
                exps = tuple(sp.expand(e.xreplace({i1: i1 + lo - 1})) for e in exps)
                rng = ((sp.Integer(1), sp.expand(hi - lo + 1)),)
            out._add((exps, rng), c)
        return out

    def is_zero(self) -> bool:
        """Whether every merged coefficient simplifies to 0.

        Returns:
            ``True`` when the sum is identically 0.
        """
        return all(sp.simplify(c) == 0 for c in self.terms.values())

    def to_expr(self) -> sp.Expr:
        """The sum as a SymPy expression with unevaluated ``Sum`` objects (for display).

        Returns:
            The expression.
        """
        parts = []
        for (exps, rng), c in self.terms.items():
            body = c * sp.Mul(*[lam**e for lam, e in zip(self.phases, exps)])
            for k, (lo, hi) in enumerate(rng):
                body = sp.Sum(body, (index_symbol(k + 1), lo, hi))
            parts.append(body)
        return sp.Add(*parts)

    def evaluate(self, subs: Mapping[sp.Expr, sp.Expr]) -> sp.Expr:
        """The explicit value after a substitution, with every sum expanded.

        Args:
            subs: the substitution; it must make every bound an integer.

        Returns:
            The value.
        """
        total = sp.Integer(0)
        for (exps, rng), c in self.terms.items():
            bounds = [(int(sp.sympify(lo).subs(subs)), int(sp.sympify(hi).subs(subs))) for lo, hi in rng]
            body = (c * sp.Mul(*[lam**e for lam, e in zip(self.phases, exps)])).subs(subs)
            total += _nested(body, bounds)
        return total

    def expect_phases(self, rule: PhaseRule) -> sp.Expr:
        """``E_λ[self]`` by the rule ``E[λ^p conj(λ)^q] = δ_{pq}`` (see the module docstring).

        Args:
            rule: the position symbol and the smallest position for which counts are decided.

        Returns:
            An expression free of the phases and the indices.

        Raises:
            Undecided: a count is not one affine formula for every ``t ≥ rule.t_min``.
        """
        return sp.Add(*[c * _expect_term(exps, rng, rule) for (exps, rng), c in self.terms.items()])


def _expect_term(exps: tuple[sp.Expr, ...], ranges: Ranges, rule: PhaseRule) -> sp.Expr:
    """The phase rule for one term; with explicit bounds, a non-affine count is enumerated point by point."""
    try:
        return _phase_count(exps, ranges, rule)
    except Undecided:
        if any(sp.sympify(e).has(rule.t) for e in exps) or not all(
                sp.sympify(b).is_Integer for rng in ranges for b in rng):
            raise
        points = _nested(sp.Mul(*[sp.Symbol(f"_lam{j}") ** e for j, e in enumerate(exps)]),
                         [(int(lo), int(hi)) for lo, hi in ranges])
        return sp.Add(*[term for term in sp.Add.make_args(sp.expand(points)) if not term.free_symbols])


def _nested(body: sp.Expr, bounds: list[tuple[int, int]], k: int = 1) -> sp.Expr:
    """``Σ_{i_k=lo_k}^{hi_k} ⋯ body`` with explicit integer bounds, expanded term by term."""
    if k > len(bounds):
        return body
    lo, hi = bounds[k - 1]
    return sp.Add(*[_nested(body.xreplace({index_symbol(k): sp.Integer(v)}), bounds, k + 1)
                    for v in range(lo, hi + 1)])


def _decide_nonnegative(form: Affine, rule: PhaseRule) -> bool | None:
    """Whether ``form(t) ≥ 0`` for every integer ``t ≥ t_min`` (True), for none (False), or neither (None)."""
    extra = set(form) - {1, rule.t}
    if extra:
        raise ValueError(f"bound depends on {extra}")
    p, q = form.get(rule.t, Fraction(0)), form.get(1, Fraction(0))
    at_min = p * rule.t_min + q
    if p == 0:
        return q >= 0
    if p > 0:
        return True if at_min >= 0 else None
    return False if at_min < 0 else None


def _neg(form: Affine) -> Affine:
    return {k: -v for k, v in form.items()}


def _always_ge(form: Affine, rule: PhaseRule) -> bool | None:
    """``form ≥ 0`` for all ``t ≥ t_min`` (True), ``form ≤ 0`` for all such ``t`` (False), else None."""
    if _decide_nonnegative(form, rule):
        return True
    if _decide_nonnegative(_neg(form), rule):
        return False
    return None


def _extreme(forms: list[Affine], rule: PhaseRule, largest: bool) -> Affine:
    """The largest (or smallest) of affine forms in ``t``, the same one for every ``t ≥ t_min``."""
    best = forms[0]
    for form in forms[1:]:
        diff = _combine((Fraction(1), form), (Fraction(-1), best))
        order = _always_ge(diff if largest else _neg(diff), rule)
        if order is None:
            raise Undecided(f"cannot order {_to_expr(form)} and {_to_expr(best)} for t ≥ {rule.t_min}")
        if order:
            best = form
    return best


def _phase_count(exps: tuple[sp.Expr, ...], ranges: Ranges, rule: PhaseRule) -> sp.Expr:
    """``Σ_{box} E[∏_j λ_j^{e_j}]``: the number of index points with every ``e_j = 0``.

    The count is multiplied by a Kronecker delta in ``t`` when an equation involves ``t`` alone.
    """
    indices = [index_symbol(k + 1) for k in range(len(ranges))]
    solution: dict[sp.Symbol, Affine] = {}
    t_values: set[Fraction] = set()
    for exponent in exps:
        if exponent == 0:
            continue
        eq = _affine(exponent)
        for idx, value in solution.items():
            if idx in eq:
                eq = _combine((Fraction(1), {k: v for k, v in eq.items() if k != idx}), (eq[idx], value))
        pivots = [idx for idx in reversed(indices) if idx in eq]
        if not pivots:
            if not eq:
                continue
            if set(eq) - {1, rule.t}:
                raise ValueError(f"phase exponent {exponent} involves symbols other than indices and t")
            if rule.t not in eq:
                return sp.Integer(0)
            t0 = -eq.get(1, Fraction(0)) / eq[rule.t]
            if t0.denominator != 1 or t0 < rule.t_min:
                return sp.Integer(0)
            t_values.add(t0)
            continue
        # a pivot whose coefficient divides every other coefficient keeps the solution integral
        exact = [idx for idx in pivots if all((v / eq[idx]).denominator == 1 for v in eq.values())]
        if not exact:
            if set(eq) - {1} == {pivots[0]}:       # α i = const with α ∤ const: no integer point
                return sp.Integer(0)
            raise Undecided(f"the phase condition {exponent} = 0 needs a divisibility case split")
        pivot = exact[0]
        scale = -1 / eq[pivot]
        value = {k: scale * v for k, v in eq.items() if k != pivot}
        solution = {idx: _combine((Fraction(1), {k: v for k, v in val.items() if k != pivot}),
                                  (val.get(pivot, Fraction(0)), value))
                    for idx, val in solution.items()}
        solution[pivot] = value
    if len(t_values) > 1:
        return sp.Integer(0)
    bounds = [(_affine(lo), _affine(hi)) for lo, hi in ranges]
    delta = sp.Integer(1)
    if t_values:
        (t0,) = t_values
        def at_t0(form: Affine) -> Affine:
            return _combine((Fraction(1), {k: v for k, v in form.items() if k != rule.t}),
                            (form.get(rule.t, Fraction(0)), {1: t0}))
        solution = {idx: at_t0(val) for idx, val in solution.items()}
        bounds = [(at_t0(lo), at_t0(hi)) for lo, hi in bounds]
        delta = sp.KroneckerDelta(rule.t, int(t0))
    free = [idx for idx in indices if idx not in solution]
    lowers: dict[sp.Symbol, list[Affine]] = {f: [] for f in free}
    uppers: dict[sp.Symbol, list[Affine]] = {f: [] for f in free}
    for idx, (lo, hi) in zip(indices, bounds):
        value = solution.get(idx, {idx: Fraction(1)})
        involved = [f for f in free if f in value]
        rest = {k: v for k, v in value.items() if k not in free}
        if not involved:
            inside = (_decide_nonnegative(_combine((Fraction(1), rest), (Fraction(-1), lo)), rule),
                      _decide_nonnegative(_combine((Fraction(1), hi), (Fraction(-1), rest)), rule))
            if False in inside:
                return sp.Integer(0)
            if None in inside:
                raise Undecided(f"whether {_to_expr(rest)} lies in [{_to_expr(lo)}, {_to_expr(hi)}] "
                                f"depends on t ≥ {rule.t_min}")
            continue
        if len(involved) > 1 or abs(value[involved[0]]) != 1:
            raise Undecided(f"index constraint {_to_expr(value)} couples free indices")
        f = involved[0]
        alpha = value[f]
        # lo ≤ α f + rest ≤ hi
        low = _combine((Fraction(1), lo), (Fraction(-1), rest))
        high = _combine((Fraction(1), hi), (Fraction(-1), rest))
        if alpha == 1:
            lowers[f].append(low)
            uppers[f].append(high)
        else:
            lowers[f].append({k: -v for k, v in high.items()})
            uppers[f].append({k: -v for k, v in low.items()})
    count = delta
    for f in free:
        low = _extreme(lowers[f], rule, largest=True)
        high = _extreme(uppers[f], rule, largest=False)
        size = _combine((Fraction(1), high), (Fraction(-1), low), (Fraction(1), {1: Fraction(1)}))
        nonempty = _always_ge(size, rule)
        if nonempty is None:
            raise Undecided(f"the range [{_to_expr(low)}, {_to_expr(high)}] may be empty for t ≥ {rule.t_min}")
        if not nonempty:
            return sp.Integer(0)
        count *= _to_expr(size)
    return count
