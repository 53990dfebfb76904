"""The population loss on the diagonal, derived by SymPy, against exact cubature and mesatheory.theory."""

import pytest
import sympy as sp

from mesatheory import get_law
from mesatheory.derive.loss import (
    diagonal_moments,
    explicit_t_agrees,
    paper_per_t,
    paper_population_loss,
    per_t_loss,
    population_loss,
    reduced_per_t_loss,
)
from mesatheory.derive.symbols import (
    K1,
    K2,
    K3,
    M2,
    A,
    B,
    C,
    Model,
    T,
    moment_exponents,
    moments_in,
)
from mesatheory.derive.timesum import sum_over_t
from mesatheory.laws import AtomicLaw, kappas
from mesatheory.routes.cubature import population_statistics
from mesatheory.theory import stiffness

t = Model(1).t


def skewed_atoms(d):
    """A deliberately asymmetric law on R^d (odd moments, unequal coordinates): every moment matters."""
    base = [(sp.Rational(1, 2), (1, -2, 3)), (sp.Rational(1, 3), (-1, 1, 0)), (sp.Rational(1, 6), (2, 0, -1))]
    return [(p, tuple(sp.Integer(v) for v in vec[:d])) for p, vec in base]


SKEWED = AtomicLaw(name="skewed", params={}, atom_fn=skewed_atoms)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_reduction_matches_paper(d):
    assert sp.simplify(reduced_per_t_loss(d) - paper_per_t(d, t)) == 0
    assert sp.simplify(population_loss(d) - paper_population_loss(d)) == 0


def test_a_wrong_formula_is_rejected():
    wrong = paper_per_t(2, t).subs(K3 / (t - 1), K3 / t)
    assert sp.simplify(reduced_per_t_loss(2) - wrong) != 0


@pytest.mark.parametrize("d", [1, 2])
def test_explicit_positions_agree_with_symbolic_t(d):
    assert explicit_t_agrees(d)


def test_no_moment_with_a_lone_first_power():
    assert all(1 not in moment_exponents(m) for m in diagonal_moments(3))


@pytest.mark.parametrize("law,d,T_value", [(SKEWED, 2, 5), (SKEWED, 3, 4), (get_law("laplace"), 2, 5)])
def test_loss_coefficients_equal_exact_cubature(law, d, T_value):
    """ℓ_t = ½c²D_t − cN_t + const: Σ_t D_t and Σ_t N_t from the derivation (law's joint moments) equal the
    exact cubature of the numeric model's statistics (any law: no κ reduction used)."""
    total = sum_over_t(per_t_loss(d), t, T_value)
    total = sp.expand(total.xreplace({m: law.joint_moment(moment_exponents(m)) for m in moments_in(total)}))
    in_c = sp.Poly(sp.expand(total.subs(A, C / B)), C)
    stats = population_statistics(law, d, T_value)
    assert float(2 * in_c.coeff_monomial(C**2)) == pytest.approx(stats.ED, rel=1e-10)
    assert float(-in_c.coeff_monomial(C)) == pytest.approx(stats.EN, rel=1e-10)


def test_summed_loss_uses_the_theory_stiffness():
    k = kappas(get_law("gaussian:sigma=2"), 3)
    L = population_loss(3).subs({M2: k.m2, K1: k.k1, K2: k.k2, K3: k.k3, T: 50})
    assert sp.simplify(sp.Poly(L, C).coeff_monomial(C**2) - sp.Rational(3, 2) * stiffness(k, 50)) == 0
