"""The phase-expectation engine: formal sums over symbolic index ranges, and the sum over positions."""

import itertools

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as hs

from mesatheory.derive.sums import IndexedSum, PhaseRule, index_symbol
from mesatheory.derive.timesum import as_laurent, sum_over_t
from mesatheory.errors import Undecided

t = sp.Symbol("t", integer=True, positive=True)
T = sp.Symbol("T", integer=True, positive=True)
lam = sp.symbols("lambda_1 lambda_2", nonzero=True)
i1, i2 = index_symbol(1), index_symbol(2)


def brute_count(exps, ranges, tv):
    """Number of index points in the box where every exponent vanishes (explicit t)."""
    boxes = [range(int(lo.subs(t, tv)), int(hi.subs(t, tv)) + 1) for lo, hi in ranges]
    count = 0
    for point in itertools.product(*boxes):
        subs = {t: tv, **{index_symbol(k + 1): v for k, v in enumerate(point)}}
        count += all(sp.sympify(e).subs(subs) == 0 for e in exps)
    return count


affine = hs.tuples(hs.integers(-1, 1), hs.integers(-1, 1), hs.integers(-1, 1), hs.integers(-2, 2))
bounds = hs.sampled_from([(sp.Integer(1), t), (sp.Integer(2), t), (sp.Integer(1), t - 1), (sp.Integer(2), t + 1)])


@settings(max_examples=40, deadline=None)
@given(hs.lists(affine, min_size=2, max_size=2), bounds, bounds)
def test_phase_rule_counts_like_enumeration(forms, r1, r2):
    """Symbolic-t counts (where decided) and explicit-t counts both equal brute-force enumeration."""
    exps = tuple(a * i1 + b * i2 + c * t + e for a, b, c, e in forms)
    ranges = (r1, r2)
    term = IndexedSum(lam, {(exps, ranges): sp.Integer(1)})
    for tv in range(2, 9):
        explicit = IndexedSum(lam, {(tuple(sp.sympify(e).subs(t, tv) for e in exps),
                                     tuple((lo.subs(t, tv), hi.subs(t, tv)) for lo, hi in ranges)): sp.Integer(1)})
        assert explicit.expect_phases(PhaseRule(t)) == brute_count(exps, ranges, tv)
    for t_min in (2, 6):
        try:
            symbolic = term.expect_phases(PhaseRule(t, t_min=t_min))
        except Undecided:
            continue
        for tv in range(t_min, 9):
            assert symbolic.subs(t, tv) == brute_count(exps, ranges, tv)
        return


def test_t_only_condition_is_a_kronecker_delta():
    term = IndexedSum(lam, {((t - 3, sp.Integer(0)), ((sp.Integer(1), t),)): sp.Integer(1)})
    assert sp.simplify(term.expect_phases(PhaseRule(t)) - 3 * sp.KroneckerDelta(t, 3)) == 0


def test_conjugate_inverts_phases_and_products_rename_indices():
    s = IndexedSum.from_summand(lam[0] ** (sp.Symbol("i", integer=True) - 1), lam, sp.Symbol("i", integer=True),
                                (sp.Integer(1), t))
    square = s * s.conj()
    ((exps, ranges), coef), = square.terms.items()
    assert exps[0] == i1 - i2 and len(ranges) == 2 and coef == 1
    assert square.expect_phases(PhaseRule(t)) == t       # E|Σ_i λ^{i-1}|² = t


def test_explicit_evaluation_matches_sum():
    i = sp.Symbol("i", integer=True)
    s = IndexedSum.from_summand(i * 0 + lam[0] ** i, lam, i, (sp.Integer(1), t))
    x = sp.Symbol("x")
    assert sp.expand(s.evaluate({t: 3, lam[0]: x})) == x + x**2 + x**3


@settings(max_examples=25, deadline=None)
@given(hs.lists(hs.tuples(hs.integers(-3, 1), hs.integers(-5, 5)), min_size=1, max_size=4))
def test_sum_over_t_closed_form_equals_direct_sum(powers):
    expr = sp.Add(*[sp.Integer(c) * (t - 1) ** k for k, c in powers])
    closed = sum_over_t(expr, t, T)
    for Tv in (3, 4, 7, 11):
        assert sp.simplify(closed.subs(T, Tv) - sum_over_t(expr, t, Tv)) == 0


def test_sum_over_t_uses_harmonic_numbers_and_deltas():
    assert sp.simplify(sum_over_t(1 / (t - 1) + sp.KroneckerDelta(t, 2), t, T) - sp.harmonic(T - 2) - 1) == 0
    assert as_laurent((t * 2 + 1) / (t - 1), t) == 2 + 3 / (t - 1)


def test_non_laurent_input_is_refused():
    with pytest.raises(ValueError):
        sum_over_t(1 / (t + 1), t, T)
