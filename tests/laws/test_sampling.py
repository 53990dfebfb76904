"""Fast samplers of user SymPy laws (scipy.stats.sampling): each way, checked against the law's exact moments."""

import numpy as np
import pytest
import sympy as sp
import sympy.stats as st

from mesatheory import law_from_sympy
from mesatheory.claims.base import Setting
from mesatheory.claims.sampler import check_sampler
from mesatheory.laws import sampling

HALF = sp.Rational(1, 2)
USER = {
    "semicircle": lambda: st.WignerSemicircle("w", 1),          # numerical inversion (no closed-form CDF)
    "beta(2,2) - 1/2": lambda: st.Beta("b", 2, 2) - HALF,      # numerical inversion, then a shift
    "exponential - 1": lambda: st.Exponential("e", 1) - 1,     # exact inversion of F(y) = 1 - exp(-y)
}


def _distribution(rv):
    (symbol,) = st.random_symbols(rv)
    return st.pspace(symbol).distribution


@pytest.mark.parametrize("name", sorted(USER))
def test_the_user_law_sampler_passes_the_moment_claim(name):
    """`sampler.moments` (sample moments ± SE against the exact ones, degree ≤ 12) passes, and no SymPy sampler ran."""
    law = law_from_sympy(USER[name]())
    assert law.fast_sampler() is not None
    verdict = check_sampler(Setting(law, d=2, T=8))
    assert verdict.passed is True, verdict.reason
    assert len(verdict.evidence["compared"]) >= 2


def test_exact_inversion_is_used_where_sympy_gives_the_cdf_and_numerical_inversion_elsewhere():
    exponential, semicircle = _distribution(st.Exponential("e", 1)), _distribution(st.WignerSemicircle("w", 1))
    assert sampling._exact_inverse(exponential, 0.0, np.inf) is not None
    assert sampling._exact_inverse(semicircle, -1.0, 1.0) is None   # SymPy has no closed-form CDF for it
    assert sampling._numerical_inverse(semicircle, -1.0, 1.0) is not None


def test_a_user_sampler_with_the_wrong_scale_fails_the_moment_claim():
    """Planted error: the fast sampler draws 1.02·x while the exact moments are those of x."""
    law = law_from_sympy(st.WignerSemicircle("w", 1))
    right = law.fast_sampler()
    object.__setattr__(law, "_fast", lambda rng, n, d: 1.02 * right(rng, n, d))
    verdict = check_sampler(Setting(law, d=2, T=8))
    assert verdict.passed is False and "off:" in verdict.reason


def test_the_alias_table_draws_a_discrete_law_with_infinite_support():
    """Geometric(1/2) on {1, 2, ...}: mean 2 and variance 2, within 5 SE of 2^18 draws."""
    draw = sampling.fast_sampler(st.Geometric("g", HALF))
    assert draw is not None
    x = draw(np.random.default_rng(1), 1 << 17, 2).ravel()
    assert x.min() >= 1 and np.all(x == np.round(x))
    se_mean = np.sqrt(2 / x.size)
    assert abs(x.mean() - 2) < 5 * se_mean
    se_var = np.sqrt((np.mean((x - 2) ** 4) - 4) / x.size)
    assert abs(x.var() - 2) < 5 * se_var


def test_the_same_seed_gives_the_same_draws_bit_for_bit():
    law = law_from_sympy(st.Beta("b", 2, 2) - HALF)
    again = law_from_sympy(st.Beta("b", 2, 2) - HALF)   # a second, independently built sampler
    first = law.sample(np.random.default_rng(7), 1000, 3)
    assert np.array_equal(first, again.sample(np.random.default_rng(7), 1000, 3))
    assert not np.array_equal(first, law.sample(np.random.default_rng(8), 1000, 3))


def test_the_sampler_is_built_once_per_law():
    law = law_from_sympy(st.WignerSemicircle("w", 1))
    assert law.fast_sampler() is law.fast_sampler()
