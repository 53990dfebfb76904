"""Corollary 1 derived by SymPy, cross-checked against the numeric model and a numeric OLS gradient."""

import numpy as np
import pytest
import sympy as sp

from mesatheory import get_law
from mesatheory.claims.corollary1 import gd_step_predictions
from mesatheory.derive.prediction import (
    corollary1_difference,
    corollary1_holds,
    diagonal_prediction,
    gd_prediction,
)
from mesatheory.derive.sums import IndexedSum
from mesatheory.derive.symbols import A, B, Model
from mesatheory.model import sample_sequences, unit_predictions


@pytest.mark.parametrize("d", [1, 2, 3])
def test_prediction_is_one_gd_step_for_symbolic_t(d):
    assert corollary1_holds(d)


def test_a_wrong_step_size_is_rejected():
    """With η = ab/t instead of ab/(t-1) the difference does not vanish: the check can fail."""
    model = Model(2)
    t = model.t
    wrong = tuple(g.scale((t - 1) / t) for g in gd_prediction(2))
    assert not all((y - g).shifted().is_zero() for y, g in zip(diagonal_prediction(2), wrong))
    assert all(diff.is_zero() for diff in corollary1_difference(2))


def _evaluate(sums: tuple[IndexedSum, ...], model: Model, x1: np.ndarray, theta: np.ndarray, t: int,
              a: float, b: float) -> np.ndarray:
    subs = {model.t: t, A: a, B: b, **{xj: float(v) for xj, v in zip(model.x, x1)},
            **{lam: sp.exp(sp.I * float(th)) for lam, th in zip(model.phases, theta)}}
    return np.array([complex(sp.N(s.evaluate(subs))) for s in sums])


@pytest.mark.parametrize("d", [2, 3])
def test_derived_prediction_matches_numeric_model_and_numeric_gd(d):
    """The symbolic ŷ_t and W_1 x_t, evaluated on sampled sequences, equal mesatheory.model and a
    central-difference OLS step at every position."""
    model, T, a, b = Model(d), 6, 0.7, -1.3
    rng = np.random.default_rng(d)
    x1 = get_law("laplace").sample(rng, 1, d)
    theta = rng.uniform(0, 2 * np.pi, (1, d))
    X = x1[:, None, :] * np.exp(1j * np.arange(T)[None, :, None] * theta[:, None, :])
    numeric = a * b * unit_predictions(X)[0]
    numeric_gd = gd_step_predictions(X, a * b)[0]
    for t in range(2, T):
        derived = _evaluate(diagonal_prediction(d), model, x1[0], theta[0], t, a, b)
        derived_gd = _evaluate(gd_prediction(d), model, x1[0], theta[0], t, a, b)
        np.testing.assert_allclose(derived, numeric[t - 2], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(derived_gd, numeric_gd[t - 2], rtol=1e-8, atol=1e-10)


def test_sampled_sequences_agree_with_process_module():
    """The derivation's sequence x_{s,j} = λ_j^{s-1} x_j is the process module's (same convention)."""
    _, X = sample_sequences(get_law("gaussian"), np.random.default_rng(0), 2, 2, 5)
    ratio = X[:, 2] / X[:, 1]
    np.testing.assert_allclose(np.abs(ratio), 1.0)
    np.testing.assert_allclose(X[:, 3] / X[:, 2], ratio)
