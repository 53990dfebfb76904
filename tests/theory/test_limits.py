"""The limits behind Theorem 2: h = H_{T-2}/(T-2) and u = 1/(t-1) vanish, which theory.limits relies on."""

import sympy as sp

from mesatheory.laws import get_law, kappas
from mesatheory.theory import limit_loss, limit_product, trained_loss

T = sp.Symbol("T", integer=True, positive=True)


def test_the_ratios_limit_product_and_limit_loss_take_to_zero_do_vanish():
    assert sp.limit(sp.harmonic(T - 2) / (T - 2), T, sp.oo) == 0
    assert sp.limit(1 / (T - 2), T, sp.oo) == 0


def test_limit_loss_is_the_limit_of_the_exact_finite_T_loss():
    k = kappas(get_law("gaussian"), 5)
    assert limit_product(k) == sp.Rational(1, 5)
    gaps = [abs(float(trained_loss(k, 5, n) - limit_loss(k, 5))) for n in (10, 100, 1000, 10_000)]
    assert all(b < a for a, b in zip(gaps, gaps[1:])) and gaps[-1] < 1e-3
