"""The gradient at a diagonal point for every entry, derived by SymPy, against finite differences of the full
numeric model under exact cubature; permutation covariance; which moments must vanish."""

import pytest
import sympy as sp
from derive_numeric import CubatureLoss
from test_derive_loss import SKEWED

from mesatheory import get_law
from mesatheory.derive.gradient import (
    Entry,
    all_entries,
    assumption2_covers,
    beyond_assumption2,
    gradient_by_symmetry,
    gradient_table,
    is_cube_pair,
    law_gradient,
    paper_pv_formula_holds,
    required_conditions,
)
from mesatheory.derive.symbols import A, B, T, moment_exponents
from mesatheory.laws import AtomicLaw


def _numeric_gradients(law, d, T_value, a, b):
    loss = CubatureLoss(law, d, T_value)
    kq, pv = loss.diagonal_point(a, b)
    return {e: loss.gradient(kq, pv, e.matrix, e.row, e.col) for e in all_entries(d)}


@pytest.mark.parametrize("law,d,T_value", [(SKEWED, 2, 4), (get_law("exponential_centered"), 2, 5),
                                           (SKEWED, 3, 4)])
def test_every_entry_matches_finite_differences(law, d, T_value):
    a, b = 0.7, -1.2
    numeric = _numeric_gradients(law, d, T_value, a, b)
    derived = law_gradient(law, d, T_value)
    scale = max(abs(v) for v in numeric.values())
    for entry, value in numeric.items():
        exact = float(derived.get(entry, sp.Integer(0)).subs({A: a, B: b}))
        assert value == pytest.approx(exact, abs=1e-7 * scale), entry.label(d)


def test_a_wrong_gradient_is_rejected():
    """Replacing H_{T-2} by (T-2) in the off-diagonal W^PV gradient contradicts the finite differences."""
    law, d, T_value, a, b = get_law("exponential_centered"), 2, 5, 0.7, -1.2
    numeric = _numeric_gradients(law, d, T_value, a, b)
    entry = Entry("PV", 0, d + 1)
    wrong = law_gradient(law, d)[entry].subs(sp.harmonic(T - 2), T - 2).subs({T: T_value, A: a, B: b})
    assert numeric[entry] != pytest.approx(float(wrong), rel=1e-3)


def test_permutation_covariance_reproduces_the_direct_table():
    direct, by_symmetry = gradient_table(3), gradient_by_symmetry(3)
    assert all(sp.simplify(direct[e] - by_symmetry[e]) == 0 for e in direct)


def test_only_cube_pairs_escape_assumption2():
    for d, table in ((2, gradient_table(2)), (3, gradient_table(3)), (5, gradient_by_symmetry(5))):
        left = {m for f in required_conditions(d, table).forms for m in beyond_assumption2(f).atoms(sp.Indexed)}
        assert left and all(is_cube_pair(moment_exponents(m)) for m in left)
        assert not assumption2_covers(moment_exponents(next(iter(left))))


def test_paper_formula_for_the_value_block():
    assert paper_pv_formula_holds(2) and paper_pv_formula_holds(3)


def test_sign_symmetric_laws_have_no_off_diagonal_gradient():
    for spec in ("gaussian", "rademacher", "sparse"):
        assert all(e.active(4) for e in law_gradient(get_law(spec), 4))


def test_full_one_off_diagonal_value():
    law = AtomicLaw(name="ones", params={}, atom_fn=lambda d: [(sp.Integer(1), (sp.Integer(1),) * d)])
    grads = law_gradient(law, 3)
    H, H2 = sp.harmonic(T - 2), sp.harmonic(T - 2, 2)
    assert sp.simplify(grads[Entry("PV", 0, 4)] - A**2 * B * H) == 0
    assert sp.simplify(grads[Entry("KQ", 6, 4)] - (A * B**2 * (2 * H + H2) - B * H)) == 0
