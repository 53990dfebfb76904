"""The per-coordinate derivation: each identity holds, and each can fail when its formula is wrong."""

import mesatheory.derive.per_coordinate as pc
from mesatheory.theory.per_coordinate import CoordinateMoments


def test_loss_and_gradient_match_the_theory_formulas():
    assert pc.loss_difference(2) == 0 and pc.loss_difference(3) == 0
    assert all(g == 0 for g in pc.gradient_difference(3))


def test_a_wrong_loss_formula_is_caught(monkeypatch):
    real = pc.reduced_loss
    monkeypatch.setattr(pc, "reduced_loss", lambda a, b, m, n, H: real(a, b, m, n, H * 2))
    assert pc.loss_difference(2) != 0


def test_a_gradient_with_the_moments_of_the_other_flow_is_caught(monkeypatch):
    """``a``'s flow with ``b``'s moments ``M_jk`` (the κ̃3/κ3 finding undone) disagrees with the derivation."""
    real = pc.reduced_gradient
    monkeypatch.setattr(pc, "reduced_gradient", lambda a, b, m, n, H: real(
        a, b, CoordinateMoments(m.m2, m.k1, m.k2, tuple(zip(*m.cross))), n, H))
    assert any(g != 0 for g in pc.gradient_difference(2))


def test_symmetric_coordinates_keep_the_diagonal_and_odd_moments_would_not(monkeypatch):
    assert pc.off_diagonal_gradient(2) == {}
    pc.off_diagonal_gradient.cache_clear()
    monkeypatch.setattr(pc, "_odd_moments_zero", lambda expr: expr)
    try:
        assert pc.off_diagonal_gradient(2)
    finally:
        pc.off_diagonal_gradient.cache_clear()


def test_the_map_is_the_two_sided_preconditioned_step(monkeypatch):
    assert all(x.is_zero() for x in pc.preconditioned_gd_difference(2))
    real = pc.ols_gradient_at_zero
    monkeypatch.setattr(pc, "ols_gradient_at_zero", lambda d: real(d).T)     # a wrong step: diag(b) Gᵀ diag(a)
    assert not all(x.is_zero() for x in pc.preconditioned_gd_difference(2))
