"""Reduced dynamics derived by SymPy: identities, the per-entry flow against finite differences of the full
model, the fixed point and the closed form against the numerically integrated flow."""

import numpy as np
import pytest
import sympy as sp
from derive_numeric import CubatureLoss

from mesatheory import get_law
from mesatheory.derive.dynamics import (
    C0,
    C_STAR,
    DRIVE,
    STIFFNESS,
    D,
    closed_form_time,
    flow_facts,
    per_entry_rhs,
)
from mesatheory.derive.per_law import swapped_kappa3
from mesatheory.derive.symbols import K1, K2, K3, K3T, A, B, C, T
from mesatheory.laws import AtomicLaw, decide_assumption2, kappas
from mesatheory.routes.ode import ReducedFlow, solve_flow
from mesatheory.theory import product_from_kappas


def test_every_identity_simplifies_to_zero():
    f = flow_facts()
    for value in (f.conservation, f.c_equation, f.norm_identity, f.sum_equation, f.difference_equation,
                  *f.fixed_eigen, *f.closed_form_residuals):
        assert value == 0
    assert sp.simplify(f.c_rate + STIFFNESS * sp.sqrt(D**2 + 4 * C_STAR**2)) == 0


def test_a_wrong_closed_form_is_rejected():
    f = flow_facts()
    wrong = f.closed_form * 2
    w = sp.Symbol("w", positive=True)
    residual = sp.diff(wrong.subs(C, C_STAR - w), w) * -1 * w * sp.sqrt(D**2 + 4 * (C_STAR - w)**2) - 1
    assert sp.simplify(residual) != 0


def _exchangeable_atoms(d):
    """±(1, 2, 0, …) and all coordinate permutations: exchangeable, sign-symmetric."""
    import itertools
    base = [1, 2] + [0] * (d - 2)
    vecs = sorted({tuple(s * v for v in perm) for perm in itertools.permutations(base) for s in (1, -1)})
    return [(sp.Rational(1, len(vecs)), tuple(sp.Integer(v) for v in vec)) for vec in vecs]


LOPSIDED = ((0, 2, 0), (0, 2, 2), (1, 0, 1), (2, 1, 2), (2, 2, 0))
LOPSIDED_WEIGHTS = (27, 37, 64, 64, 37)   # /229: equal κ1, κ2, κ3 on every coordinate, κ̃3 not


def _lopsided_atoms(d):
    """Independent random signs times one of five vectors in R^3: sign-symmetric, so every moment with a lone
    first power vanishes, and the weights make κ1, κ2, κ3 equal across coordinates (Assumption 2 holds), but
    κ̃3 = Σ_{r≠j} E[x_j⁴ x_r²] is 7552/229, 5248/229, 7552/229."""
    import itertools
    return [(sp.Rational(w, 229 * 8), tuple(sp.Integer(s * v) for s, v in zip(signs, vec)))
            for w, vec in zip(LOPSIDED_WEIGHTS, LOPSIDED) for signs in itertools.product((1, -1), repeat=d)]


@pytest.mark.parametrize("atoms", [_exchangeable_atoms, _lopsided_atoms])
def test_per_entry_flow_matches_finite_differences(atoms):
    """−∂L/∂W^KQ_32[1,1] and −∂L/∂W^PV_12[1,1] of the full numeric model equal the derived per-entry flow,
    κ̃3 in the a-equation included (the lopsided law has κ̃3 ≠ κ3)."""
    law, d, T_value, a, b = AtomicLaw(name="atoms", params={}, atom_fn=atoms), 3, 5, 0.6, 0.9
    k = kappas(law, d)
    subs = {K1: k.k1, K2: k.k2, K3: k.k3, K3T: swapped_kappa3(law, d), T: T_value, A: a, B: b}
    da, db = (float(e.subs(subs)) for e in per_entry_rhs(d))
    loss = CubatureLoss(law, d, T_value)
    kq, pv = loss.diagonal_point(a, b)
    assert -loss.gradient(kq, pv, "KQ", 2 * d, d) == pytest.approx(da, rel=1e-7)
    assert -loss.gradient(kq, pv, "PV", 0, d) == pytest.approx(db, rel=1e-7)
    if atoms is _lopsided_atoms:
        assert subs[K3T] != subs[K3]


def test_assumption2_does_not_fix_kappa_tilde():
    """A law that satisfies Assumption 2 (as decided by mesatheory.moments) whose κ̃3 depends on the coordinate:
    at the scalar diagonal point the entries W^KQ_32[j,j] receive different gradients, so the flow leaves the
    form aI (docs/paper.md's per-entry equation with κ3 would keep it)."""
    law, d, T_value, a, b = AtomicLaw(name="lopsided", params={}, atom_fn=_lopsided_atoms), 3, 4, 0.6, 0.9
    assert decide_assumption2(law, d).holds
    loss = CubatureLoss(law, d, T_value)
    kq, pv = loss.diagonal_point(a, b)
    grads = [loss.gradient(kq, pv, "KQ", 2 * d + j, d + j) for j in range(d)]
    assert grads[0] == pytest.approx(grads[2], rel=1e-9)
    assert abs(grads[0] - grads[1]) > 1e-3 * abs(grads[0])


def test_fixed_point_and_closed_form_match_the_integrated_flow():
    k = kappas(get_law("uniform"), 3)
    T_value, a0, b0 = 8, 0.3, 0.1
    subs = {K1: k.k1, K2: k.k2, K3: k.k3, T: T_value}
    path = solve_flow(ReducedFlow.from_kappas(k, T_value), a0, b0)
    c_star = product_from_kappas(k, T_value)
    assert path.product == pytest.approx(float(c_star), rel=1e-9)
    assert float(flow_facts().fixed_point.subs(subs)) == pytest.approx(float(c_star), rel=1e-14)
    tau_of_c = sp.lambdify(C, closed_form_time(C).subs({**subs, C_STAR: c_star, D: a0**2 - b0**2, C0: a0 * b0}))
    for index in np.linspace(5, len(path.tau) // 2, 6).astype(int):
        c = path.a[index] * path.b[index]
        assert tau_of_c(c) == pytest.approx(path.tau[index], rel=1e-6)


def test_saddle_at_the_origin():
    vectors = {sp.factor(val): list(vecs[0]) for val, _, vecs in flow_facts().origin_vectors}
    assert vectors[sp.factor(DRIVE)] == [1, 1]
    assert vectors[sp.factor(-DRIVE)] == [-1, 1]
