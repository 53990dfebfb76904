"""The non-exchangeable ``scaled`` law: spec, exact moments, Assumption 2 and its exact rule."""

import numpy as np
import pytest
import sympy as sp

from mesatheory import get_law
from mesatheory.errors import LawError
from mesatheory.laws import decide_assumption2
from mesatheory.routes.cubature import x1_rule


def test_spec_gives_the_geometric_scales():
    law = get_law("scaled:sigma=2,ratio=1/2")
    assert law.scales(3) == [2, 1, sp.Rational(1, 2)]
    assert law.spec == "scaled:sigma=2,ratio=1/2"


def test_joint_moments_factorise_into_scaled_gaussian_moments():
    """E[x_1² x_2⁴] = σ_1² · 3σ_2⁴ and every odd power gives 0."""
    law = get_law("scaled:sigma=1,ratio=2")
    assert law.joint_moment((2, 4, 0)) == 1 * 3 * 2**4
    assert law.joint_moment((0, 0, 6)) == 15 * 4**6
    assert law.joint_moment((3, 3, 0)) == 0


def test_assumption2_fails_iff_the_scales_differ():
    violated = decide_assumption2(get_law("scaled:ratio=3/2"), 3)
    assert not violated.holds and "theorem1.per_coordinate" in violated.reason
    assert decide_assumption2(get_law("scaled:ratio=1"), 3).holds


def test_a_ratio_out_of_range_is_a_one_line_error():
    with pytest.raises(LawError, match="ratio must be positive"):
        get_law("scaled:ratio=0")


@pytest.mark.parametrize("exponents", [(2, 4, 0), (6, 0, 0), (0, 2, 4), (4, 2, 2), (1, 0, 0)])
def test_the_rule_is_exact_for_the_statistics(exponents):
    """The scaled product Gauss–Hermite rule reproduces the exact joint moments the population statistics use."""
    law = get_law("scaled:sigma=1/2,ratio=3/2")
    points, weights = x1_rule(law, 3)
    value = float(np.sum(weights * np.prod(points ** np.array(exponents), axis=1)))
    assert value == pytest.approx(float(law.joint_moment(exponents)), rel=1e-12, abs=1e-14)


def test_the_sampler_has_the_scales():
    law = get_law("scaled:sigma=1,ratio=2")
    draws = law.sample(np.random.default_rng(0), 200_000, 3)
    assert np.std(draws, axis=0) == pytest.approx([1, 2, 4], rel=0.01)


def test_laws_lists_the_per_coordinate_fixed_points(capsys):
    from mesatheory.cli import main
    from mesatheory.theory.per_coordinate import CoordinateMoments, fixed_point
    assert main(["laws", "--d", "2"]) == 0
    out = capsys.readouterr().out
    c = fixed_point(CoordinateMoments.from_law(get_law("scaled"), 2), 100, 0.1, 0.1).c
    assert f"scaled:sigma=1,ratio=5/4: c_j = ({c[0]:.6g}, {c[1]:.6g})" in out
