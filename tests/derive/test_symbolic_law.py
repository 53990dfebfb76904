"""Step 5 in the law's own parameters: the paper's formulas come out of the symbolic copies of the families."""

import json
from pathlib import Path

import pytest
import sympy as sp

from mesatheory.derive import symbolic_law
from mesatheory.derive.symbolic_law import D_SYMBOL, PARAMETER_SYMBOLS, derive_symbolic
from mesatheory.derive.symbols import T
from mesatheory.laws import get_law
from tests.derive.test_derivations_fresh import _differences

H = sp.harmonic(T - 2)
SIGMA, C, NU = PARAMETER_SYMBOLS["sigma"], PARAMETER_SYMBOLS["scale"], PARAMETER_SYMBOLS["nu"]
COMMITTED = Path(__file__).resolve().parents[2] / "derivations"


def _zero(expr):
    return sp.simplify(expr) == 0


def test_gaussian_gives_the_papers_formulas():
    r = derive_symbolic(get_law("gaussian:sigma=2"), 5)
    assert _zero(r.limit - 1 / (5 * SIGMA**2))
    assert _zero(r.product - (T - 2) / (SIGMA**2 * (5 * T + (D_SYMBOL - 1) * H - 10)))
    assert r.assumption2[0] and r.recovery == "never"
    assert r.at_values(r.limit, 5) == sp.Rational(1, 20)


def test_sparse_gives_one_over_c_squared_at_every_T():
    r = derive_symbolic(get_law("sparse:scale=3"), 4)
    assert _zero(r.limit - 1 / C**2) and _zero(r.product - 1 / C**2)
    assert r.recovery == "exact at every T" and r.limit_loss == 0


def test_full_one_violates_assumption2_symbolically():
    r = derive_symbolic(get_law("full_one"), 5)
    assert not r.assumption2[0] and "E[x_1] = c" in r.assumption2[1]
    assert r.recovery is None and r.limit_loss is None


def test_student_t_keeps_the_condition_of_its_sixth_moment():
    r = derive_symbolic(get_law("student_t:nu=9"), 5)
    assert r.conditions == (NU > 6,)
    assert _zero(r.limit - (NU - 6) / (5 * C**2 * NU))


def test_a_wrong_symbolic_copy_is_refused(monkeypatch):
    """Planted error: a Student-t copy with twice the scale disagrees with the law's exact κ's."""
    right = symbolic_law.SYMBOLIC_COPIES["student_t"]
    monkeypatch.setitem(symbolic_law.SYMBOLIC_COPIES, "student_t", lambda nu, scale: right(nu, 2 * scale))
    with pytest.raises(AssertionError, match="symbolic m2"):
        derive_symbolic(get_law("student_t:nu=8"), 3)


def test_a_wrong_symbolic_kappa_fails_the_staleness_comparison():
    """Planted error: κ1 of the committed Gaussian report's symbolic step doubled is a difference."""
    data = json.loads((COMMITTED / "gaussian_sigma-1.json").read_text())
    changed = json.loads(json.dumps(data))
    step = next(s for s in changed["steps"] if s["key"] == "law.symbolic")
    kappa1 = next(r for r in step["results"] if r["name"] == "\\kappa_1")
    assert sp.sympify(kappa1["string"]) == 3 * sp.Symbol("sigma") ** 4
    kappa1["string"] = "6*sigma**4"
    assert _differences(changed, data)
