"""The claims corollary1.one_step_gd and theorem1.invariance."""

import numpy as np
import pytest

from mesatheory import get_law
from mesatheory.claims.base import Setting
from mesatheory.claims.corollary1 import check_corollary1, gd_step_predictions
from mesatheory.claims.invariance import check_invariance
from mesatheory.model import diagonal_predictions, sample_sequences


def test_corollary1_holds_for_gaussian():
    v = check_corollary1(Setting(get_law("gaussian"), d=3, T=20, seed=1))
    assert v.passed is True and v.evidence["symbolic_identity"] and v.measured < 1e-9
    assert v.id == "corollary1.one_step_gd"


def test_corollary1_numeric_check_can_fail():
    """A step size off by one position (c/t instead of c/(t-1)) is detected by the numeric comparison."""
    _, X = sample_sequences(get_law("uniform"), np.random.default_rng(0), 4, 2, 12)
    c = 0.8
    model = diagonal_predictions(X, 1.0, c)
    assert np.allclose(model, gd_step_predictions(X, c), rtol=1e-10)
    T = X.shape[1]
    shrink = (np.arange(1, T - 1) / np.arange(2, T))[None, :, None]
    assert not np.allclose(model * shrink, gd_step_predictions(X, c), rtol=1e-3)


@pytest.mark.parametrize("spec", ["full_one", "student_t:nu=6"])
def test_corollary1_not_applicable(spec):
    assert check_corollary1(Setting(get_law(spec), d=3, T=20)).passed is None


def test_invariance_holds_for_gaussian():
    v = check_invariance(Setting(get_law("gaussian"), d=5, T=100))
    assert v.passed is True and v.evidence["off_diagonal_nonzero"] == 0 and v.id == "theorem1.invariance"


def test_invariance_full_one_not_applicable_with_exact_evidence():
    v = check_invariance(Setting(get_law("full_one"), d=3, T=10))
    assert v.passed is None and "Assumption 2 is violated" in v.reason
    grads = v.evidence["off_diagonal_gradient"]
    assert len(grads) == 12
    assert grads["W^{PV}_{12}[1,2]"]["exact"] == "a**2*b*harmonic(T - 2)"


def test_invariance_fails_for_skewed_law_satisfying_assumption2():
    v = check_invariance(Setting(get_law("exponential_centered"), d=3, T=10))
    assert v.passed is False and "E[x_j³ x_k³]" in v.reason


def test_invariance_not_applicable_for_infinite_moments():
    assert check_invariance(Setting(get_law("student_t:nu=5"), d=3, T=10)).passed is None
