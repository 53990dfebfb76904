"""Per-coordinate fixed points: exchangeable limit, independence of the start, gradient, vanilla product."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from mesatheory import get_law
from mesatheory.laws import kappas
from mesatheory.theory import harmonic, product_from_kappas
from mesatheory.theory.per_coordinate import (
    CoordinateMoments,
    fixed_point,
    reduced_gradient,
    reduced_loss,
    vanilla_product,
)

SCALED = CoordinateMoments.from_law(get_law("scaled:sigma=1,ratio=3/2"), 3)


def test_exchangeable_laws_reach_theorem1_product_in_every_coordinate():
    law = get_law("laplace")
    m = CoordinateMoments.from_law(law, 3)
    assert m.exchangeable
    fp = fixed_point(m, 12, 0.1, 0.1)
    assert fp.c == pytest.approx([float(product_from_kappas(kappas(law, 3), 12))] * 3, rel=1e-12)


def test_the_products_do_not_depend_on_the_start_but_the_entries_do():
    first, second = fixed_point(SCALED, 20, 0.1, 0.1), fixed_point(SCALED, 20, 0.5, 1.5)
    assert not SCALED.exchangeable
    assert second.c == pytest.approx(first.c, rel=1e-12)
    assert np.max(np.abs(second.a - first.a)) > 0.1
    assert np.sum(second.a**2 - second.b**2) == pytest.approx(3 * (0.5**2 - 1.5**2), rel=1e-12)   # conserved
    assert len(set(np.round(first.c, 8))) == 3 and max(first.residual, second.residual) < 1e-12


def test_the_gradient_is_the_derivative_of_the_loss():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=3), rng.normal(size=3)
    m, n, H, h = SCALED.floats(), 10, float(harmonic(10)), 1e-6
    ga, gb = reduced_gradient(a, b, m, n, H)
    for j in range(3):
        e = np.eye(3)[j] * h
        assert ga[j] == pytest.approx((reduced_loss(a + e, b, m, n, H) - reduced_loss(a - e, b, m, n, H)) / (2 * h),
                                      rel=1e-7)
        assert gb[j] == pytest.approx((reduced_loss(a, b + e, m, n, H) - reduced_loss(a, b - e, m, n, H)) / (2 * h),
                                      rel=1e-7)


def test_vanilla_product_minimises_the_loss_along_equal_entries():
    m, T = SCALED.floats(), 20
    best = minimize_scalar(lambda c: reduced_loss([np.sqrt(c)] * 3, [np.sqrt(c)] * 3, m, T - 2,
                                                  float(harmonic(T - 2))), bounds=(1e-6, 1.0), method="bounded",
                           options={"xatol": 1e-12})
    assert vanilla_product(SCALED, T) == pytest.approx(best.x, rel=1e-6)


def test_above_max_d_the_solve_is_declined():
    from mesatheory.errors import Unavailable
    from mesatheory.theory.per_coordinate import MAX_D
    with pytest.raises(Unavailable, match=f"d ≤ {MAX_D}"):
        fixed_point(CoordinateMoments.from_law(get_law("scaled"), MAX_D + 1), 20, 0.1, 0.1)
