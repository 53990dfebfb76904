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
