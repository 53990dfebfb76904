"""Theorem 1 four ways: agreement with the closed form, and power against wrong constants."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as hs

from mesatheory import get_law, theorem1_product
from mesatheory.claims.base import Setting
from mesatheory.claims.theorem1 import (
    check_closed_form,
    check_cubature,
    check_monte_carlo,
    check_ode,
)
from mesatheory.errors import Unavailable
from mesatheory.laws import kappas
from mesatheory.model import diagonal_predictions, sample_sequences
from mesatheory.routes.cubature import gauss_rule_from_moments, population_statistics
from mesatheory.routes.montecarlo import phase_averaged_estimate, sequence_check
from mesatheory.routes.ode import ReducedFlow, solve_flow
from mesatheory.theory import product_from_kappas

SCALES = ["1/2", "1", "3/2", "2"]
LAWS = hs.sampled_from([
    "gaussian:sigma={}", "uniform:width={}", "laplace:scale={}", "rademacher:scale={}",
    "exponential_centered:rate={}", "sparse:scale={}", "student_t:nu=20,scale={}"])
law_specs = hs.builds(lambda family, scale: family.format(scale), LAWS, hs.sampled_from(SCALES))


def with_product(setting: Setting, value) -> Setting:
    """The same setting, with ``value`` in place of Theorem 1's product (to test that checks can fail)."""
    setting.__dict__["product"] = sp.sympify(value)
    return setting


# --- the model's prediction, from its definition -------------------------------------------------------

def naive_prediction(X: np.ndarray, a: float, b: float, t: int) -> np.ndarray:
    """``[e_t + W^PV E_t (E_t^* W^KQ e_t)/ρ_t]_{1:d}`` with the full 3d×3d matrices (1-based ``t``)."""
    n, T, d = X.shape
    zero = np.zeros((n, 1, d), dtype=complex)
    prev = np.concatenate([zero, X[:, :-1]], axis=1)
    E = np.concatenate([np.zeros_like(X), X, prev], axis=2)  # e_s = (0, x_s, x_{s-1})
    WKQ = np.zeros((3 * d, 3 * d))
    WKQ[2 * d:, d:2 * d] = a * np.eye(d)
    WPV = np.zeros((3 * d, 3 * d))
    WPV[:d, d:2 * d] = b * np.eye(d)
    Et = E[:, :t]                                    # (n, t, 3d)
    et = E[:, t - 1]                                 # (n, 3d)
    scores = np.einsum("nsk,kl,nl->ns", Et.conj(), WKQ, et)
    f = et + np.einsum("kl,nsl,ns->nk", WPV, Et, scores) / (t - 1)
    return f[:, :d]


def test_prefix_sum_prediction_matches_definition():
    law = get_law("gaussian")
    _, X = sample_sequences(law, np.random.default_rng(3), 7, 3, 9)
    fast = diagonal_predictions(X, 0.7, -1.3)
    for t in range(2, 9):
        assert np.allclose(fast[:, t - 2], naive_prediction(X, 0.7, -1.3, t), rtol=1e-12, atol=1e-12)


# --- closed form ------------------------------------------------------------------------------------------

def test_gaussian_paper_values():
    assert float(theorem1_product("gaussian", 5, 100)) == pytest.approx(0.19190508852558863, rel=1e-15)
    # the paper plots the T → ∞ asymptote 1/(5σ²) = 0.2: the exact value at T = 100 is about 4 % lower
    assert 0.95 < float(theorem1_product("gaussian", 5, 100)) / 0.2 < 0.97


def test_closed_form_check_fails_for_wrong_constant():
    s = Setting(get_law("gaussian"), d=3, T=10)
    assert check_closed_form(s).passed is True
    assert check_closed_form(with_product(Setting(get_law("gaussian"), d=3, T=10), s.product * 1.01)).passed is False


# --- exact cubature ------------------------------------------------------------------------------------------

def test_gauss_rule_integrates_gaussian_moments():
    nodes, weights = gauss_rule_from_moments([1, 0, 1, 0, 3, 0, 15, 0, 105], 4)
    for p, exact in enumerate([1, 0, 1, 0, 3, 0, 15, 0]):
        assert weights @ nodes**p == pytest.approx(exact, abs=1e-12)


@pytest.mark.slow
@settings(max_examples=25)
@given(law_specs, hs.integers(1, 3), hs.integers(3, 12))
def test_cubature_equals_closed_form(spec, d, T):
    law = get_law(spec)
    try:
        stats = population_statistics(law, d, T)
    except Unavailable:
        assume(False)
    assert stats.product == pytest.approx(float(theorem1_product(law, d, T)), rel=1e-10)


def test_cubature_rejects_harmonic_off_by_one():
    """H_{T-1} in place of H_{T-2} moves c* by 2.8 % at d = 2, T = 4, and cubature sees it."""
    law = get_law("gaussian")
    k = kappas(law, 2)
    wrong = k.k1 / (k.k2 + k.k3 * sp.harmonic(3) / 2)
    right = theorem1_product(law, 2, 4)
    assert abs(wrong / right - 1) > 0.01
    s = with_product(Setting(law, d=2, T=4), wrong)
    assert check_cubature(s).passed is False
    assert check_cubature(Setting(law, d=2, T=4)).passed is True


# --- ODE -------------------------------------------------------------------------------------------------------

@settings(max_examples=30)
@given(law_specs, hs.integers(1, 6), hs.integers(3, 200),
       hs.floats(-3, 3), hs.floats(-3, 3))
@pytest.mark.slow
def test_ode_limit_and_conservation(spec, d, T, a0, b0):
    assume(abs(a0 + b0) > 0.05)
    law = get_law(spec)
    k = kappas(law, d)
    path = solve_flow(ReducedFlow.from_kappas(k, T), a0, b0)
    assert path.converged
    assert path.product == pytest.approx(float(product_from_kappas(k, T)), rel=1e-8)
    assert path.conservation_drift <= 1e-8 * max(1.0, abs(a0**2 - b0**2))


def test_ode_check_rejects_wrong_constant_and_saddle_start():
    law = get_law("laplace")
    s = Setting(law, d=5, T=100)
    assert check_ode(s).passed is True
    assert check_ode(with_product(Setting(law, d=5, T=100), s.product * 1.01)).passed is False
    saddle = check_ode(Setting(law, a0=0.5, b0=-0.5))
    assert saddle.passed is None and "saddle" in saddle.reason


# --- Monte Carlo --------------------------------------------------------------------------------------------------

@settings(max_examples=10)
@given(law_specs, hs.sampled_from([(2, 10), (3, 20), (5, 40)]), hs.integers(0, 2**31))
def test_monte_carlo_within_five_se(spec, dT, seed):
    d, T = dT
    law = get_law(spec)
    expected = float(theorem1_product(law, d, T))
    rounding = 1e-12 * expected  # sparse: N = c*·D exactly per sequence, so the SE is pure rounding
    for est in (sequence_check(law, d, T, 4096, seed).ratio, phase_averaged_estimate(law, d, T, 1 << 17, seed)):
        assert abs(est.value - expected) <= 5 * est.se + rounding


@pytest.mark.slow
def test_monte_carlo_rejects_one_percent_off():
    """At d = 5, T = 100 with 32768 sequences the SE is about 0.12 %: a 1 % error is ≥ 5 SE away."""
    law = get_law("gaussian")
    k = kappas(law, 5)
    h = sp.harmonic(98) / 98
    factor = ((k.k2 + k.k3 * h) / sp.Rational(99, 100) - k.k2) / (k.k3 * h)   # κ3 scaled to move c* by 1 %
    wrong = k.k1 / (k.k2 + factor * k.k3 * h)
    right = theorem1_product(law, 5, 100)
    assert float(wrong / right) == pytest.approx(0.99, rel=1e-12)
    s = Setting(law, samples=32768, seed=11)
    assert check_monte_carlo(s).passed is True           # phase-averaged SE ≈ 0.18 % with 32 × 32768 draws
    verdict = check_monte_carlo(with_product(Setting(law, samples=32768, seed=11), wrong))
    assert verdict.passed is False and abs(verdict.evidence["z"]) > 5


def test_monte_carlo_is_deterministic():
    law = get_law("uniform")
    assert sequence_check(law, 3, 12, 1024, 5) == sequence_check(law, 3, 12, 1024, 5)
    assert phase_averaged_estimate(law, 3, 12, 4096, 5, 1 << 20) == phase_averaged_estimate(law, 3, 12, 4096, 5,
                                                                                           1 << 20)


def test_monte_carlo_not_applicable_without_twelfth_moment():
    verdict = check_monte_carlo(Setting(get_law("student_t:nu=10"), d=2, T=8))
    assert verdict.passed is None and "E[x^12]" in verdict.reason


@pytest.mark.parametrize("n", [0, 1, 2, 7, 98, 1000])
def test_exact_harmonic_matches_sympy(n):
    from mesatheory.theory import harmonic
    assert harmonic(n) == sp.harmonic(n)
