"""The full model: forward pass, hand-derived gradients, the spectral fast path and the reference algorithm."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesatheory import model as fm
from mesatheory.model import (
    loss_and_grad_reference,
    sample_phases,
    sequences,
    unit_predictions,
)


def _data(seed: int, m: int, d: int, T: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1 = rng.standard_normal((m, d))
    theta = sample_phases(rng, m, d)
    return x1, theta, sequences(x1, theta, T)


def _naive_full(WKQ: np.ndarray, WPV: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """The paper's definition, literally: e_t = (0, x_t, x_{t-1}), f_t = e_t + W^PV E_t E_t^* W^KQ e_t / (t-1)."""
    n, T, d = X.shape
    E = np.zeros((n, T, 3 * d), complex)
    E[:, :, d:2 * d] = X
    E[:, 1:, 2 * d:] = X[:, :-1]
    out, loss = [], 0.0
    for t in range(2, T):
        Et = E[:, :t]
        et = E[:, t - 1]
        f = et + np.einsum("ab,nib,nic,cd,nd->na", WPV, Et, Et.conj(), WKQ, et) / (t - 1)
        out.append(f[:, :d])
        loss += 0.5 * np.sum(np.abs(f[:, :d] - X[:, t]) ** 2)
    return np.stack(out, axis=1), loss / n


def test_active_blocks_are_the_whole_model():
    """Entries outside P = W^PV[0:d, d:], Q = W^KQ[d:, d:] change nothing: the full definition agrees with predict."""
    rng = np.random.default_rng(1)
    d, T = 2, 6
    _, _, X = _data(0, 7, d, T)
    WKQ, WPV = rng.standard_normal((3 * d, 3 * d)), rng.standard_normal((3 * d, 3 * d))
    yhat, loss = _naive_full(WKQ, WPV, X)
    P, Q = fm.from_full(WKQ, WPV)
    np.testing.assert_allclose(fm.predictions(P, Q, X), yhat, rtol=1e-12, atol=1e-12)
    assert fm.loss_and_grad_direct(P, Q, X)[0] == pytest.approx(loss, rel=1e-12)
    WKQ2, WPV2 = fm.to_full(P, Q)
    np.testing.assert_allclose(_naive_full(WKQ2, WPV2, X)[0], yhat, rtol=1e-12, atol=1e-12)


def test_diagonal_model_is_ab_times_unit_prediction():
    _, _, X = _data(2, 5, 3, 8)
    P, Q = fm.diagonal_blocks(3, 0.7, -1.3)
    np.testing.assert_allclose(fm.predictions(P, Q, X), 0.7 * -1.3 * unit_predictions(X), atol=1e-13)
    assert fm.diagonal_product(P, Q) == pytest.approx(0.7 * -1.3)
    assert fm.offdiagonal_norm(P, Q) == 0.0


def _fd_grad(loss, A: np.ndarray, eps: float = 1e-6, imag: bool = False) -> np.ndarray:
    g = np.zeros(A.shape)
    for idx in np.ndindex(A.shape):
        E = np.zeros(A.shape, A.dtype)
        E[idx] = 1j * eps if imag else eps
        g[idx] = (loss(A + E) - loss(A - E)) / (2 * eps)
    return g


def test_gradient_matches_finite_differences_every_entry():
    rng = np.random.default_rng(3)
    d, T = 2, 6
    _, _, X = _data(4, 9, d, T)
    P, Q = 0.5 * rng.standard_normal((d, 2 * d)), 0.5 * rng.standard_normal((2 * d, 2 * d))
    _, gP, gQ = fm.loss_and_grad_direct(P, Q, X)
    numP = _fd_grad(lambda A: fm.loss_and_grad_direct(A, Q, X)[0], P)
    numQ = _fd_grad(lambda A: fm.loss_and_grad_direct(P, A, X)[0], Q)
    np.testing.assert_allclose(gP, numP, rtol=1e-6, atol=1e-7 * np.abs(numP).max())
    np.testing.assert_allclose(gQ, numQ, rtol=1e-6, atol=1e-7 * np.abs(numQ).max())
    # a gradient with one wrong entry is caught at this tolerance
    bad = gP.copy()
    bad[0, 1] *= 1.001
    assert not np.allclose(bad, numP, rtol=1e-6, atol=1e-7 * np.abs(numP).max())


def test_complex_gradient_is_d_re_plus_i_d_im():
    """PyTorch's convention for complex parameters: ∂L/∂Re + i ∂L/∂Im (GD on real and imaginary parts)."""
    rng = np.random.default_rng(5)
    d, T = 2, 5
    _, _, X = _data(6, 6, d, T)
    P = 0.4 * (rng.standard_normal((d, 2 * d)) + 1j * rng.standard_normal((d, 2 * d)))
    Q = 0.4 * (rng.standard_normal((2 * d, 2 * d)) + 1j * rng.standard_normal((2 * d, 2 * d)))
    _, gP, gQ = fm.loss_and_grad_direct(P, Q, X)
    f = lambda A: fm.loss_and_grad_direct(P, A, X)[0]
    np.testing.assert_allclose(gQ.real, _fd_grad(f, Q), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gQ.imag, _fd_grad(f, Q, imag=True), rtol=1e-6, atol=1e-6)
    g = lambda A: fm.loss_and_grad_direct(A, Q, X)[0]
    np.testing.assert_allclose(gP.imag, _fd_grad(g, P, imag=True), rtol=1e-6, atol=1e-6)


@settings(max_examples=8)
@given(d=st.integers(1, 3), T=st.integers(3, 9), m=st.integers(1, 40), seed=st.integers(0, 1000),
       cplx=st.booleans())
def test_spectral_path_equals_direct_path(d, T, m, seed, cplx):
    x1, theta, X = _data(seed, m, d, T)
    rng = np.random.default_rng(seed + 1)
    P, Q = rng.standard_normal((d, 2 * d)), rng.standard_normal((2 * d, 2 * d))
    if cplx:
        P = P + 1j * rng.standard_normal(P.shape)
        Q = Q - 1j * rng.standard_normal(Q.shape)
    ld, gPd, gQd = fm.loss_and_grad_direct(P, Q, X)
    ls, gPs, gQs = fm.SpectralData(x1, theta, T).loss_and_grad(P, Q)
    assert ls == pytest.approx(ld, rel=1e-10)
    np.testing.assert_allclose(gPs, gPd, rtol=1e-9, atol=1e-10 * np.abs(gPd).max())
    np.testing.assert_allclose(gQs, gQd, rtol=1e-9, atol=1e-10 * np.abs(gQd).max())
    assert np.iscomplexobj(gPs) == cplx


def test_degenerate_phases_use_the_exact_path():
    """Equal phases make H = 1/(1 - λ_k λ̄_l) infinite; such sequences must fall back to prefix sums."""
    x1, theta, _ = _data(7, 12, 3, 7)
    theta[:4, 1] = theta[:4, 0]                      # λ_1 = λ_2 exactly
    theta[4, 2] = theta[4, 0] + 1e-9                 # nearly equal
    sd = fm.SpectralData(x1, theta, 7)
    assert (~sd.regular).sum() == 5
    rng = np.random.default_rng(8)
    P, Q = rng.standard_normal((3, 6)), rng.standard_normal((6, 6))
    ld, gPd, gQd = fm.loss_and_grad_direct(P, Q, sequences(x1, theta, 7))
    ls, gPs, gQs = sd.loss_and_grad(P, Q)
    assert ls == pytest.approx(ld, rel=1e-10)
    np.testing.assert_allclose(gPs, gPd, rtol=1e-9, atol=1e-9)


def test_workers_do_not_change_the_result():
    x1, theta, _ = _data(9, 700, 3, 10)
    sd = fm.SpectralData(x1, theta, 10)
    P, Q = fm.diagonal_blocks(3, 0.3, 0.4)
    a = sd.loss_and_grad(P, Q, workers=1)
    b = sd.loss_and_grad(P, Q, workers=2)
    assert a[0] == b[0] and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])


def test_reference_algorithm_agrees():
    _, _, X = _data(10, 11, 2, 7)
    rng = np.random.default_rng(11)
    P, Q = rng.standard_normal((2, 4)), rng.standard_normal((4, 4))
    for cplx in (False, True):
        if cplx:
            P, Q = P + 0.3j, Q - 0.2j
        a, b = fm.loss_and_grad_direct(P, Q, X), loss_and_grad_reference(P, Q, X)
        assert a[0] == pytest.approx(b[0], rel=1e-12)
        np.testing.assert_allclose(a[1], b[1], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(a[2], b[2], rtol=1e-10, atol=1e-12)


def test_last_position_and_masking():
    _, _, X = _data(12, 6, 3, 9)
    rng = np.random.default_rng(13)
    P, Q = rng.standard_normal((3, 6)), rng.standard_normal((6, 6))
    np.testing.assert_allclose(fm.LastPosition.from_sequences(X).predict(P, Q), fm.predictions(P, Q, X)[:, -1],
                               rtol=1e-12, atol=1e-12)
    fm.mask_offdiagonal(P, Q)
    assert np.count_nonzero(P[:, :3] - np.diag(np.diag(P[:, :3]))) == 0
    assert np.count_nonzero(Q[3:, :3] - np.diag(np.diag(Q[3:, :3]))) == 0
    assert np.count_nonzero(P[:, 3:]) == 9 and np.count_nonzero(Q[:3]) == 18   # other blocks untouched


def test_one_hot_sequences_use_the_closed_form_over_t():
    """x_1 = c e_k (sparse law): the loss has no sum over positions left; it must equal the prefix-sum one."""
    from mesatheory.laws import get_law
    rng = np.random.default_rng(14)
    x1 = get_law("sparse:scale=3/2").sample(rng, 40, 4)
    x1[0] = 0.0                                        # x_1 = 0 (loss and gradient 0)
    x1[1] = rng.standard_normal(4)                     # one dense sequence in the batch
    theta = sample_phases(rng, 40, 4)
    sd = fm.SpectralData(x1, theta, 11)
    assert sd.onehot.sum() == 39 and sd.regular.sum() == 1
    for cplx in (False, True):
        P, Q = rng.standard_normal((4, 8)), rng.standard_normal((8, 8))
        if cplx:
            P, Q = P + 1j * rng.standard_normal(P.shape), Q + 1j * rng.standard_normal(Q.shape)
        ld, gPd, gQd = fm.loss_and_grad_direct(P, Q, sequences(x1, theta, 11))
        ls, gPs, gQs = sd.loss_and_grad(P, Q)
        assert ls == pytest.approx(ld, rel=1e-12)
        np.testing.assert_allclose(gPs, gPd, rtol=1e-10, atol=1e-12 * np.abs(gPd).max())
        np.testing.assert_allclose(gQs, gQd, rtol=1e-10, atol=1e-12 * np.abs(gQd).max())
