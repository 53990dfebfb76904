"""The exact population flow over every entry of W^KQ, W^PV, and the claim theorem1.full_flow."""

import numpy as np
import pytest

from mesatheory import model as fm
from mesatheory.claims.base import Setting
from mesatheory.claims.full_flow import check_full_flow
from mesatheory.errors import Unavailable
from mesatheory.laws import get_law, kappas
from mesatheory.model import sequences
from mesatheory.model.diagonal import loss_statistics
from mesatheory.model.quartic import QuarticLoss
from mesatheory.routes.cubature import phase_rule, x1_rule
from mesatheory.routes.ode import ReducedFlow
from mesatheory.routes.population import check_work, phase_polynomials
from mesatheory.routes.population_flow import solve_full_flow
from mesatheory.theory import theorem1_product


@pytest.mark.parametrize("spec,d,T", [("gaussian:sigma=1/2", 2, 5), ("full_one", 2, 6), ("sparse", 2, 5),
                                      ("exponential_centered", 2, 4)])
def test_population_loss_equals_brute_force_cubature(spec, d, T):
    """Exact moments (x_1 rule × Parseval) = x_1 rule × roots-of-unity grid pushed through the direct model."""
    law = get_law(spec)
    pop = QuarticLoss.from_law(law, d, T)
    points, weights = x1_rule(law, d)
    theta = phase_rule(d, T)
    X = sequences(np.repeat(points, len(theta), axis=0), np.tile(theta, (len(points), 1)), T)
    w = np.repeat(weights, len(theta)) / len(theta)
    rng = np.random.default_rng(0)
    P, Q = 0.4 * rng.standard_normal((d, 2 * d)), 0.4 * rng.standard_normal((2 * d, 2 * d))
    loss, gP, gQ = fm.loss_and_grad_direct(P, Q, X, weights=w)
    assert pop.loss(P, Q) == pytest.approx(loss, rel=1e-12)
    eP, eQ = pop.grad(P, Q)
    np.testing.assert_allclose(eP, gP, rtol=1e-10, atol=1e-12 * np.abs(gP).max())
    np.testing.assert_allclose(eQ, gQ, rtol=1e-10, atol=1e-12 * np.abs(gQ).max())


def test_diagonal_gradient_is_the_reduced_flow():
    law = get_law("laplace")
    pop = QuarticLoss.from_law(law, 2, 7)
    gP, gQ = pop.grad(*fm.diagonal_blocks(2, 0.6, -0.3))
    da, db = ReducedFlow.from_kappas(kappas(law, 2), 7).rhs(0.0, np.array([0.6, -0.3]))
    np.testing.assert_allclose(-np.diag(gQ[2:, :2]), [da, da], rtol=1e-12)
    np.testing.assert_allclose(-np.diag(gP[:, :2]), [db, db], rtol=1e-12)
    assert max(np.abs(x).max() for x in fm.offdiagonal(gP, gQ)) < 1e-12 * abs(da)


def test_skewed_laws_push_off_the_diagonal():
    """At a diagonal point ∂L/∂W^PV_12[j,k] = a² b H_{T-2} E[x_j³ x_k³] (docs/paper.md, derived): non-zero for a
    centred skewed law although Assumption 2 holds — the diagonal is not invariant for such laws."""
    law = get_law("exponential_centered")
    a, b, T = 0.7, 0.4, 6
    gP, _ = QuarticLoss.from_law(law, 2, T).grad(*fm.diagonal_blocks(2, a, b))
    H = sum(1 / k for k in range(1, T - 1))
    assert gP[0, 1] == pytest.approx(a * a * b * H * float(law.marginal_moment(3, 1)) ** 2, rel=1e-12)


def test_flow_stays_diagonal_and_converges_under_assumption2():
    v = check_full_flow(Setting(get_law("gaussian:sigma=2"), d=2, T=7, a0=2.0, b0=2.0))
    assert v.passed is True and v.id == "theorem1.full_flow"
    assert v.evidence["offdiag_max"] <= 1e-10 and v.evidence["relative_error"] <= 1e-8
    assert v.evidence["reduced_flow_gap"] < 1e-6     # along the path, at the full flow's rtol 1e-10 (LSODA)
    assert v.expected == pytest.approx(float(theorem1_product("gaussian:sigma=2", 2, 7)))


@pytest.mark.parametrize("factor", [1 + 1e-6, 1 - 1e-6, 1.01])
def test_full_flow_rejects_a_planted_error_in_the_product(factor):
    """The check is sharp: the flow's limit must match the expected product to 1e-8, so 1e-6 off fails."""
    s = Setting(get_law("gaussian:sigma=2"), d=2, T=7, a0=2.0, b0=2.0)
    s.__dict__["product"] = s.product * factor
    assert check_full_flow(s).passed is False


def test_full_one_leaves_the_diagonal_and_masking_recovers_the_formula():
    v = check_full_flow(Setting(get_law("full_one"), d=3, T=8))
    assert v.passed is None and v.evidence["leaves_diagonal"]
    assert v.evidence["offdiag_gradient_at_start"] > 1e-3
    masked = solve_full_flow(QuarticLoss.from_law("full_one", 3, 8), 0.1, 0.1, mask=True)
    assert masked.converged and masked.offdiag_max == 0.0
    assert masked.product == pytest.approx(float(theorem1_product("full_one", 3, 8)), rel=1e-9)


def test_skewed_law_fails_the_claim():
    v = check_full_flow(Setting(get_law("exponential_centered"), d=2, T=5))
    assert v.passed is False and v.evidence["offdiag_max"] > 1e-10
    assert "E[x_j³ x_k³] = 4" in v.reason and v.evidence["offdiag_gradient_at_start"] > 1e-3


def test_the_papers_size_is_decided():
    v = check_full_flow(Setting(get_law("sparse"), d=5, T=100))
    assert v.passed is True and v.evidence["entries"] == 150


def test_sizes_beyond_the_budget_are_declined_with_what_fits():
    v = check_full_flow(Setting(get_law("gaussian"), d=5, T=2000))
    assert v.passed is None and "declined" in v.reason and "T ≤ " in v.reason
    with pytest.raises(Unavailable):
        check_work(5, 2000)
    assert check_full_flow(Setting(get_law("gaussian"), d=2, T=6, a0=0.5, b0=-0.5)).passed is None


@pytest.mark.parametrize("spec,d,T", [("gaussian", 2, 6), ("exponential_centered", 3, 5), ("sparse", 2, 7)])
def test_phase_polynomials_are_the_phase_average_of_the_loss_statistics(spec, d, T):
    """E[N | x_1], E[D | x_1] from the phase tables = the model's N, D averaged over the exact phase grid."""
    law = get_law(spec)
    phi_n, phi_d = phase_polynomials(d, T)
    x1 = law.sample(np.random.default_rng(1), 3, d)
    theta = phase_rule(d, T)
    for x in x1:
        N, D = loss_statistics(sequences(np.broadcast_to(x, theta.shape), theta, T))
        y = x * x
        assert np.einsum("j,jk,k->", y, phi_n, y) == pytest.approx(N.mean(), rel=1e-10, abs=1e-12)
        assert np.einsum("j,k,l,jkl->", y, y, y, phi_d) == pytest.approx(D.mean(), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_phase_moments_are_quadratics_in_t_from_poly_from(d):
    """The counts N_t, ℓ_t have vanishing third differences from t = POLY_FROM on (what _phase_tables uses)."""
    from mesatheory.routes.population import POLY_FROM, _moments_at
    ts = range(POLY_FROM, 26)
    N = np.array([_moments_at(d, 30, t, None)[0].toarray() for t in ts])
    ell = np.array([_moments_at(d, 30, t, None)[1] for t in ts])
    for table in (N, ell):
        third = table[3:] - 3 * table[2:-1] + 3 * table[1:-2] - table[:-3]
        assert np.all(third == 0)
    assert np.any(N[2:] - 2 * N[1:-1] + N[:-2] != 0)          # quadratic indeed, not lower


@pytest.mark.parametrize("d,T,positions", [(3, 40, None), (5, 14, None), (2, 30, (2, 3, 9, 29)), (4, 20, (19,)),
                                           (2, 5, None)])
def test_phase_tables_equal_the_position_by_position_sums(d, T, positions):
    from mesatheory.routes.population import _moments_at, _phase_tables
    ts = tuple(range(2, T)) if positions is None else positions
    tables = _phase_tables(d, T, ts)
    M = sum(_moments_at(d, T, t, None)[0].toarray() / (t - 1) ** 2 for t in ts)
    lin = sum(_moments_at(d, T, t, None)[1] / (t - 1) for t in ts)
    np.testing.assert_allclose(tables.M.toarray(), M, rtol=1e-14, atol=1e-14 * np.abs(M).max())
    np.testing.assert_allclose(tables.lin, lin, rtol=1e-14, atol=1e-14 * np.abs(lin).max())


def test_phase_moments_are_quadratics_in_t_at_the_papers_size():
    """The same property at d = 5 over every training position of T = 100 (sparse third differences)."""
    from mesatheory.routes.population import POLY_FROM, _moments_at
    counts = [_moments_at(5, 100, t, None) for t in range(POLY_FROM, 100)]
    for (a, la), (b, lb), (c, lc), (e, le) in zip(counts, counts[1:], counts[2:], counts[3:]):
        assert abs(e - 3 * c + 3 * b - a).max() == 0
        assert np.all(le - 3 * lc + 3 * lb - la == 0)
