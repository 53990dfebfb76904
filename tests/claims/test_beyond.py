"""Beyond Assumption 2: the masked limit with the law's own moments."""

import sympy as sp
import sympy.stats as st

from mesatheory import get_law, law_from_sympy, theorem1_product
from mesatheory.claims.base import Setting
from mesatheory.claims.beyond import (
    check_leaves_diagonal,
    check_masked_limit,
    check_not_one_step_gd,
)
from mesatheory.theory import harmonic


def test_full_one_masked_product_formula():
    for d, T in [(2, 5), (5, 100)]:
        expected = 1 / (1 + (d - 1) * harmonic(T - 2) / sp.Integer(T - 2))
        assert theorem1_product("full_one", d, T) == expected


def test_masked_limit_holds_for_full_one_and_shifted_gaussian():
    for law in [get_law("full_one:scale=1/2"), law_from_sympy(st.Normal("x", 1, 1))]:
        verdict = check_masked_limit(Setting(law, d=2, T=8, samples=4096))
        assert verdict.passed is True, verdict.reason
        assert verdict.evidence["cubature"]["passed"] is True


def test_masked_limit_rejects_wrong_product():
    s = Setting(get_law("full_one"), d=2, T=8, samples=4096)
    s.__dict__["product"] = s.product * sp.Rational(101, 100)
    assert check_masked_limit(s).passed is False


def test_masked_limit_not_applicable_under_assumption2():
    verdict = check_masked_limit(Setting(get_law("gaussian"), d=2, T=8))
    assert verdict.passed is None and "Assumption 2 holds" in verdict.reason
    assert "saddle" in check_masked_limit(Setting(get_law("full_one"), d=2, T=8, a0=1, b0=-1)).reason


def test_full_one_leaves_diagonal_and_is_not_one_step_gd():
    s = Setting(get_law("full_one"), d=2, T=6, samples=2048)
    leaves = check_leaves_diagonal(s)
    assert leaves.passed is True and leaves.evidence["offdiag_max"] > 1e-3
    not_gd = check_not_one_step_gd(s)
    assert not_gd.passed is True
    assert not_gd.evidence["loss_full"] < not_gd.evidence["loss_gd"]
    assert not_gd.evidence["margin"] > 5 * not_gd.evidence["margin_se"]


def test_not_one_step_gd_fails_when_the_flow_is_masked(monkeypatch):
    """With masking the full flow converges to the best one-step-GD predictor: no margin, the check fails."""
    import mesatheory.claims.beyond as beyond
    from mesatheory.routes.population_flow import solve_full_flow
    monkeypatch.setattr(beyond, "unmasked_flow",
                        lambda s: solve_full_flow(s.population_loss(), s.a0, s.b0, mask=True))
    verdict = check_not_one_step_gd(Setting(get_law("full_one"), d=2, T=6, samples=2048))
    assert verdict.passed is False


def test_leaves_diagonal_fails_without_off_diagonal_gradient(monkeypatch):
    """Each branch can fail: a zero start gradient, or a flow that stays diagonal (the masked flow)."""
    import mesatheory.claims.beyond as beyond
    from mesatheory.routes.population_flow import solve_full_flow
    s = Setting(get_law("full_one"), d=3, T=20)
    assert check_leaves_diagonal(s).passed is True
    with monkeypatch.context() as m:
        m.setattr(beyond, "offdiagonal_gradient", lambda s: 0.0)
        assert check_leaves_diagonal(Setting(get_law("full_one"), d=3, T=20)).passed is False
    monkeypatch.setattr(beyond, "unmasked_flow", lambda s: solve_full_flow(s.population_loss(), s.a0, s.b0, mask=True))
    assert check_leaves_diagonal(Setting(get_law("full_one"), d=3, T=20)).passed is False


def test_skewed_law_beyond_claims_apply_and_hold():
    """exponential_centered satisfies Assumption 2 as stated yet leaves the diagonal: the §5 claims apply to it."""
    s = Setting(get_law("exponential_centered"), d=2, T=6, samples=4096)
    assert s.assumption2.holds
    for check in (check_leaves_diagonal, check_masked_limit, check_not_one_step_gd):
        verdict = check(s)
        assert verdict.passed is True, (verdict.id, verdict.reason)


def test_beyond_claims_not_applicable_under_assumption2():
    s = Setting(get_law("laplace"), d=2, T=6)
    assert check_leaves_diagonal(s).passed is None
    assert check_not_one_step_gd(s).passed is None


def test_masked_full_flow_stays_diagonal_for_full_one():
    verdict = check_masked_limit(Setting(get_law("full_one"), d=2, T=6, samples=2048))
    part = verdict.evidence["masked_full_flow"]
    assert part["passed"] is True and "entries off the diagonal 0.0e+00" in part["reason"]
