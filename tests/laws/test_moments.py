"""κ's and Assumption 2, decided exactly."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as hs

from mesatheory import get_law
from mesatheory.laws import builtin_laws, decide_assumption2, kappas


def test_gaussian_kappas_from_paper():
    k = kappas(get_law("gaussian:sigma=2"), 5)
    s = 2
    assert (k.m2, k.k1, k.k2, k.k3) == (s**2, 3 * s**4, 15 * s**6, 3 * 4 * s**6)


@settings(max_examples=10)
@given(hs.integers(1, 8), hs.sampled_from([law.spec for law in builtin_laws() if law.iid]))
def test_iid_k3_is_d_minus_1_m2_k1(d, spec):
    law = get_law(spec)
    k = kappas(law, d)
    if k.finite:
        assert k.k3 == (d - 1) * k.m2 * k.k1


def test_sparse_kappas():
    k = kappas(get_law("sparse:scale=3"), 4)
    assert (k.m2, k.k1, k.k2, k.k3) == (sp.Rational(9, 4), sp.Rational(81, 4), sp.Rational(729, 4), 0)


@pytest.mark.parametrize("spec", ["gaussian", "uniform", "laplace", "rademacher", "student_t:nu=7",
                                  "exponential_centered", "sparse"])
def test_assumption2_holds(spec):
    assert decide_assumption2(get_law(spec), 4).holds


@pytest.mark.parametrize("spec,reason", [
    ("full_one", "E[x_1] = 1 ≠ 0"),
    ("full_one:scale=2", "E[x_1] = 2 ≠ 0"),
    ("student_t:nu=6", "E[x^6] = oo"),
    ("student_t:nu=5", "E[x^6] = oo"),
])
def test_assumption2_violations_name_the_moment(spec, reason):
    decision = decide_assumption2(get_law(spec), 3)
    assert not decision.holds and reason in decision.reason


def test_logistic_and_poisson_moments_are_exact_and_quick():
    """The MGF routes that used to take over 100 s: Logistic by the reflection formula, Poisson by exp's recurrence."""
    import time

    import sympy.stats as st

    from mesatheory.laws import law_from_sympy
    start = time.perf_counter()
    logistic = kappas(law_from_sympy(st.Logistic("l", 0, 1)), 2)
    poisson = law_from_sympy(st.Poisson("p", 2) - 2)
    assert (logistic.m2, logistic.k1, logistic.k2) == (sp.pi**2 / 3, 7 * sp.pi**4 / 15, 31 * sp.pi**6 / 21)
    assert [poisson.moment(p) for p in (2, 4, 6)] == [2, 14, 222]      # λ, λ + 3λ², λ + 25λ² + 15λ³ at λ = 2
    assert time.perf_counter() - start < 60


def test_the_exp_recurrence_is_the_series():
    from mesatheory.laws.base import _taylor
    t = sp.Symbol("t")
    expr = sp.exp(3 * sp.sin(t) + 1)
    series = sp.series(expr, t, 0, 9).removeO()
    assert all(sp.simplify(c - series.coeff(t, k)) == 0 for k, c in enumerate(_taylor(expr, t, 8)))


def test_an_mgf_with_a_conditional_integral_is_not_expanded():
    """SymPy's Kumaraswamy MGF is a Piecewise holding an Integral: no series is tried (it took over 100 s)."""
    import sympy.stats as st

    from mesatheory.laws.base import _moments_from_mgf
    assert _moments_from_mgf(st.Kumaraswamy("k", 2, 3) - sp.Rational(1, 2), 12) == {}
    assert _moments_from_mgf(st.Normal("n", 0, 1), 4)[4] == 3
