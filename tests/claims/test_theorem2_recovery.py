"""Theorem 2 and the recovery condition: exact limits, categories, and checks that can fail."""

import dataclasses

import pytest
import sympy as sp
import sympy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs

from mesatheory import get_law, law_from_sympy
from mesatheory.claims.base import Setting
from mesatheory.claims.recovery import check_recovery_condition, check_recovery_finite_T
from mesatheory.claims.theorem2 import check_limit, check_ratio
from mesatheory.laws import kappas
from mesatheory.theory import limit_loss, limit_product, recovery, trained_loss


def with_product(setting, value):
    setting.__dict__["product"] = sp.sympify(value)
    return setting


def test_gaussian_limits_from_paper():
    for sigma in (sp.Rational(1, 2), sp.Integer(1), sp.Integer(2)):
        k = kappas(get_law(f"gaussian:sigma={sigma}"), 5)
        assert limit_product(k) == 1 / (5 * sigma**2)
        assert limit_loss(k, 5) == sp.Rational(1, 5) * 5 * sigma**2   # 0.2·d·σ²


@pytest.mark.parametrize("spec,category", [("gaussian", "never"), ("uniform", "never"), ("laplace", "never"),
                                           ("sparse:scale=2", "exact at every T"),
                                           ("rademacher:scale=3", "asymptotic (T → ∞)")])
def test_recovery_categories(spec, category):
    k = kappas(get_law(spec), 4)
    decision = recovery(k, 4)
    assert decision.category == category
    assert (decision.limit_loss == 0) == (category != "never")
    assert (trained_loss(k, 4, 50) == 0) == (category == "exact at every T")


atoms = hs.lists(hs.fractions(min_value=sp.Rational(1, 4), max_value=3, max_denominator=8), min_size=1,
                 max_size=3, unique=True)


@settings(max_examples=20)
@given(atoms, hs.booleans())
def test_symbolic_decision_agrees_with_numeric_limit_loss(values, with_zero):
    """A symmetric finite law ±v_i (and maybe 0): the decision m2·κ2 = κ1² agrees with the limit loss
    E[½ Σ_j (κ1/κ2·x_j² − 1)² x_j²] computed numerically from the atoms."""
    support = [sp.Rational(v.numerator, v.denominator) for v in values]
    points = support + [-v for v in support] + ([sp.Integer(0)] if with_zero else [])
    law = law_from_sympy(st.FiniteRV("f", {p: sp.Rational(1, len(points)) for p in points}))
    d = 3
    k = kappas(law, d)
    c_inf = float(k.k1 / k.k2)
    numeric = d * sum(0.5 * (c_inf * float(p) ** 2 - 1) ** 2 * float(p) ** 2 for p in points) / len(points)
    decision = recovery(k, d)
    assert numeric == pytest.approx(float(decision.limit_loss), abs=1e-12)
    assert (numeric < 1e-12) == (decision.category != "never") == (len(support) == 1)


def test_ratio_exact_and_rejects_wrong_moment():
    """E[ŷ/x] = c·m2 is linear in c, so what it tests is the factor m2: a 1 % wrong m2 is rejected."""
    law = get_law("laplace")
    ok = check_ratio(Setting(law, d=2, T=6, samples=4096))
    assert ok.passed is True and ok.evidence["exact_max_relative_error"] <= 1e-10
    s = Setting(law, d=2, T=6, samples=4096)
    product = s.product
    s.__dict__["kappas"] = dataclasses.replace(s.kappas, m2=s.kappas.m2 * sp.Rational(101, 100))
    s.__dict__["product"] = product
    assert check_ratio(s).passed is False


def test_ratio_not_applicable_with_zero_atoms():
    verdict = check_ratio(Setting(get_law("sparse"), d=3, T=8, samples=1024))
    assert verdict.passed is None and "undefined" in verdict.reason


@pytest.mark.parametrize("spec", ["gaussian", "rademacher", "sparse", "uniform:width=3"])
def test_capability_claims_hold(spec):
    s = Setting(get_law(spec), d=4, T=30, samples=8192, seed=4)
    for check in (check_limit, check_recovery_condition, check_recovery_finite_T):
        verdict = check(s)
        assert verdict.passed is True, verdict


def test_finite_T_loss_rejects_formula_without_k3_term(monkeypatch):
    """Dropping the κ3/(t−1) term of the per-step loss is caught by the sampled loss at small T."""
    import mesatheory.claims.recovery as capability
    s = Setting(get_law("gaussian"), d=4, T=5, samples=16384, seed=4)
    assert check_recovery_finite_T(s).passed is True
    wrong = lambda k, d, c, t: d * (c**2 * k.k2 / 2 - c * k.k1 + k.m2 / 2)
    monkeypatch.setattr(capability, "per_step_loss", wrong)
    verdict = check_recovery_finite_T(Setting(get_law("gaussian"), d=4, T=5, samples=16384, seed=4))
    assert verdict.passed is False and abs(verdict.evidence["z"]) > 5


def test_recovery_condition_rejects_zero_loss_claim_for_gaussian():
    """Were the Gaussian limit loss 0, the sampled limit-predictor loss (≈ 0.2·d) would refute it."""
    s = Setting(get_law("gaussian"), d=4, T=30, samples=4096)
    verdict = check_recovery_condition(s)
    assert verdict.passed is True and verdict.expected == "never"
    assert float(sp.sympify(verdict.evidence["limit_loss"])) == pytest.approx(0.8)
