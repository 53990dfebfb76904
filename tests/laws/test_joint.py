"""Joint families (scale mixture, equicorrelated Gaussian, sphere): exact joint moments, Assumption 2, rules."""

import numpy as np
import pytest
import sympy as sp

from mesatheory import get_law, verify
from mesatheory.claims.base import Setting
from mesatheory.claims.sampler import check_sampler
from mesatheory.errors import LawError, Unavailable
from mesatheory.laws import decide_assumption2, kappas
from mesatheory.routes.cubature import x1_rule

JOINT = ["scale_mixture", "equicorrelated", "sphere"]


def test_sphere_moments_are_the_dirichlet_formula():
    """On the unit sphere in R^3: E[x²] = 1/3, E[x⁴] = 1/5, E[x_1² x_2²] = 1/15, and |x|² = 1 exactly."""
    law = get_law("sphere")
    assert law.joint_moment((2, 0, 0)) == sp.Rational(1, 3)
    assert law.joint_moment((4, 0, 0)) == sp.Rational(1, 5)
    assert law.joint_moment((2, 2, 0)) == sp.Rational(1, 15)
    assert sum(law.joint_moment(e) for e in [(4, 0, 0), (0, 4, 0), (0, 0, 4)]) \
        + 6 * law.joint_moment((2, 2, 0)) == 1   # E[(x_1² + x_2² + x_3²)²] = 1


def test_equicorrelated_moments_are_isserlis():
    """E[x_1² x_2²] = σ⁴(1 + 2ρ²) and E[x_1 x_2] = ρσ² for the Gaussian with correlation ρ."""
    law = get_law("equicorrelated:rho=1/3,sigma=2")
    assert law.joint_moment((1, 1)) == sp.Rational(4, 3)
    assert law.joint_moment((2, 2)) == 16 * (1 + 2 * sp.Rational(1, 9))
    assert law.joint_moment((1, 0)) == 0


def test_scale_mixture_kappa3_is_the_joint_moment_not_the_product():
    """R·g: κ3 = (d − 1)·3·E[R⁶] differs from the i.i.d. formula (d − 1) E[x²] E[x⁴] — the coordinates are dependent."""
    law = get_law("scale_mixture:shape=2,scale=1")
    k = kappas(law, 3)
    assert k.k3 == 2 * 3 * (2 * 3 * 4)                      # E[R⁶] = θ³ k(k+1)(k+2) = 24
    assert k.k3 != 2 * k.m2 * k.k1


@pytest.mark.parametrize("spec,holds,fragment", [
    ("scale_mixture", True, "invariant under x_j → −x_j"), ("sphere", True, "invariant under x_j → −x_j"),
    ("equicorrelated:rho=1/2", False, "E[x_1 x_2] = 1/2 ≠ 0"), ("equicorrelated:rho=0", True, "invariant")])
def test_assumption2_is_decided_with_its_reason(spec, holds, fragment):
    decision = decide_assumption2(get_law(spec), 4)
    assert decision.holds is holds and fragment in decision.reason


@pytest.mark.parametrize("spec", ["scale_mixture", "equicorrelated:rho=1/3"])
def test_the_joint_rule_integrates_degree_six_exactly(spec):
    """The law's rule reproduces exact joint moments of total degree ≤ 6, mixed ones included."""
    law = get_law(spec)
    points, weights = x1_rule(law, 3)
    for exps in [(2, 0, 0), (4, 0, 0), (6, 0, 0), (2, 4, 0), (2, 2, 2), (1, 1, 0), (3, 3, 0)]:
        value = float(weights @ np.prod(points ** np.array(exps), axis=1))
        assert value == pytest.approx(float(law.joint_moment(exps)), rel=1e-12, abs=1e-14)


def test_the_sphere_declines_the_cubature_route_with_a_reason():
    with pytest.raises(Unavailable, match="sphere"):
        x1_rule(get_law("sphere"), 3)


@pytest.mark.parametrize("spec", JOINT)
def test_the_joint_sampler_passes_the_moment_claim(spec):
    verdict = check_sampler(Setting(get_law(spec), d=3, T=8))
    assert verdict.passed is True, verdict.reason
    assert "E[x_1² x_2⁴]" in verdict.evidence["compared"] + verdict.evidence["skipped"]


def test_a_sphere_sampler_with_the_wrong_radius_fails_the_moment_claim():
    """Planted error: draws on the sphere of radius 1.02 while the moments are those of radius 1."""
    law = get_law("sphere")
    wrong = type(law)(name="sphere", params={"radius": sp.Rational(102, 100)})
    object.__setattr__(law, "sample", wrong.sample)
    assert check_sampler(Setting(law, d=3, T=8)).passed is False


def test_equicorrelated_rejects_rho_outside_the_unit_interval():
    with pytest.raises(LawError, match=r"rho must be in \[0, 1\)"):
        get_law("equicorrelated:rho=1")


@pytest.mark.slow
@pytest.mark.parametrize("spec", JOINT)
def test_verify_decides_every_claim_for_the_joint_family(spec):
    result = verify(spec, d=2, T=8)
    assert result.passed, [v.reason for v in result.claims if v.passed is False]
    decided = {v.id for v in result.decided}
    assert ("theorem1.closed_form" in decided) is (spec != "equicorrelated")
    assert ("beyond.leaves_diagonal" in decided) is (spec == "equicorrelated")
