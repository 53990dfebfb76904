"""Laws of x1: exact moments against SciPy, the spec grammar, user SymPy laws, sampling."""

from fractions import Fraction

import numpy as np
import pytest
import scipy.stats as ss
import sympy as sp
import sympy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as st_h

from mesatheory import get_law, law_from_sympy
from mesatheory.errors import LawError
from mesatheory.laws import FAMILIES, builtin_laws, parse_number

SCIPY = {
    "gaussian:sigma=2": ss.norm(0, 2),
    "uniform:width=3": ss.uniform(-1.5, 3),
    "laplace:scale=1/2": ss.laplace(0, 0.5),
    "student_t:nu=9,scale=2": ss.t(9, 0, 2),
    "exponential_centered:rate=2": ss.expon(-0.5, 0.5),
}


@pytest.mark.parametrize("spec", sorted(SCIPY))
def test_exact_moments_match_scipy(spec):
    """SciPy computes moments of shifted laws numerically (about 3e-9 relative for the centred
    exponential's sixth moment, exactly 265/64 here), hence 1e-8."""
    law = get_law(spec)
    for p in (1, 2, 4, 6):
        assert float(law.marginal_moment(p, 1)) == pytest.approx(SCIPY[spec].moment(p), rel=1e-8, abs=1e-12)


def test_divergent_moment_is_infinite():
    law = get_law("student_t:nu=5")
    assert law.marginal_moment(4, 1) == 25
    assert law.marginal_moment(6, 1) == sp.oo


def test_atomic_laws_have_exact_joint_moments():
    sparse = get_law("sparse:scale=2")
    assert sparse.joint_moment((4, 0, 0)) == sp.Rational(16, 3)
    assert sparse.joint_moment((2, 2, 0)) == 0
    assert get_law("full_one:scale=3").joint_moment((1, 2)) == 27


@pytest.mark.parametrize("text,value", [("2", 2), ("-0.5", sp.Rational(-1, 2)), ("1e-3", sp.Rational(1, 1000)),
                                        ("1/3", sp.Rational(1, 3)), ("0.1", sp.Rational(1, 10))])
def test_numbers_are_exact(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("spec,fragment", [
    ("cauchy", "unknown law 'cauchy' (accepted: gaussian"),
    ("gaussian:mu=1", "has no parameter 'mu' (accepted: sigma)"),
    ("gaussian:sigma=two", "is not a number"),
    ("gaussian:sigma=-1", "sigma must be positive"),
    ("gaussian:sigma=0", "sigma must be positive"),
    ("gaussian:", "nothing after ':'"),
    ("gaussian:sigma", "is not key=value"),
    ("gaussian:sigma=1,sigma=2", "given twice"),
    ("gaussian:sigma=__import__('os').system('true')", "is not a number"),
    ("gaussian:sigma=1+1", "is not a number"),
])
def test_bad_specs_name_what_is_accepted(spec, fragment):
    with pytest.raises(LawError) as info:
        get_law(spec)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_every_family_parses_its_own_spec():
    for law in builtin_laws():
        again = get_law(law.spec)
        assert again.spec == law.spec and again.params == law.params


def test_law_from_sympy_shifted_beta_and_finite():
    beta = law_from_sympy(st.Beta("b", 2, 2) - sp.Rational(1, 2))
    assert [beta.moment(p) for p in (1, 2, 4)] == [0, sp.Rational(1, 20), sp.Rational(3, 560)]
    finite = law_from_sympy(st.FiniteRV("f", {-1: sp.Rational(1, 3), 2: sp.Rational(1, 6), 0: sp.Rational(1, 2)}))
    assert finite.moment(1) == 0 and finite.moment(4) == 3
    assert len(finite.atoms(2)) == 9
    draws = finite.sample(np.random.default_rng(0), 1000, 2)
    assert set(np.unique(draws)) <= {-1.0, 0.0, 2.0}


def test_law_from_sympy_rejects_non_random():
    with pytest.raises(LawError):
        law_from_sympy(sp.Symbol("x"))


def _mean_z(law, p, n=20000, d=2, seed=0):
    """z-score of the sample mean of x^p against the exact moment (SE from the sample)."""
    x = law.sample(np.random.default_rng(seed), n, d)[:, 0] ** p
    return (x.mean() - float(law.marginal_moment(p, d))) / (x.std(ddof=1) / np.sqrt(n))


@pytest.mark.parametrize("spec", [f.make().spec for f in FAMILIES.values()] + ["sparse:scale=2"])
def test_samplers_match_exact_moments(spec):
    law = get_law(spec)
    for p in (1, 2, 4):
        if np.isclose(float(law.marginal_moment(2 * p, 2)) - float(law.marginal_moment(p, 2)) ** 2, 0):
            continue  # degenerate (full_one): no spread to test
        assert abs(_mean_z(law, p)) <= 5


def test_sampler_check_detects_wrong_scale():
    """The moment check above can fail: a law sampled at the wrong scale is rejected."""
    law = get_law("gaussian")
    wrong = get_law("gaussian:sigma=1.03")
    x = wrong.sample(np.random.default_rng(0), 20000, 2)[:, 0] ** 2
    assert abs((x.mean() - float(law.marginal_moment(2, 2))) / (x.std(ddof=1) / np.sqrt(20000))) > 5


def test_sampling_is_deterministic():
    for law in builtin_laws():
        a = law.sample(np.random.default_rng(7), 50, 3)
        b = law.sample(np.random.default_rng(7), 50, 3)
        assert np.array_equal(a, b)


@settings(max_examples=15)
@given(st_h.fractions(min_value=Fraction(1, 10), max_value=10, max_denominator=20))
def test_gaussian_kappa_scaling(sigma):
    law = get_law(f"gaussian:sigma={sigma.numerator}/{sigma.denominator}")
    s = sp.Rational(sigma.numerator, sigma.denominator)
    assert [law.marginal_moment(p, 1) for p in (2, 4, 6)] == [s**2, 3 * s**4, 15 * s**6]


def test_finite_law_moments_by_atoms_equal_the_mgf_series():
    """The sum over atoms (the fast path for finite laws) agrees with the MGF series, affine maps included."""
    from mesatheory.laws.base import _finite_moments, _moments_from_mgf
    rv = 2 * st.FiniteRV("g", {-1: sp.Rational(1, 3), 2: sp.Rational(1, 6), 0: sp.Rational(1, 2)}) + 1
    assert _finite_moments(rv, 12) == _moments_from_mgf(rv, 12)
    assert _finite_moments(st.Normal("n", 0, 1), 4) == {}
