"""Beyond Assumption 2: the masked limit with the law's own moments."""

import sympy as sp
import sympy.stats as st

from mesatheory import get_law, law_from_sympy, theorem1_product
from mesatheory.claims.base import Setting
from mesatheory.claims.beyond import check_masked_limit
from mesatheory.theory import harmonic


def test_full_one_masked_product_formula():
    for d, T in [(2, 5), (5, 100)]:
        expected = 1 / (1 + (d - 1) * harmonic(T - 2) / sp.Integer(T - 2))
        assert theorem1_product("full_one", d, T) == expected


def test_masked_limit_holds_for_full_one_and_shifted_gaussian():
    for law in [get_law("full_one:scale=1/2"), law_from_sympy(st.Normal("x", 1, 1))]:
        verdict = check_masked_limit(Setting(law, d=2, T=8, samples=4096))
        assert verdict.passed is True, verdict.reason
        assert verdict.evidence["cubature"]["passed"] is True


def test_masked_limit_rejects_wrong_product():
    s = Setting(get_law("full_one"), d=2, T=8, samples=4096)
    s.__dict__["product"] = s.product * sp.Rational(101, 100)
    assert check_masked_limit(s).passed is False


def test_masked_limit_not_applicable_under_assumption2():
    verdict = check_masked_limit(Setting(get_law("gaussian"), d=2, T=8))
    assert verdict.passed is None and "Assumption 2 holds" in verdict.reason
