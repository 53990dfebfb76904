"""The active parameters of the full model and their diagonal form (Assumption 1).

The model (docs/paper.md §2) has two ``3d × 3d`` matrices ``W^{KQ}``, ``W^{PV}``, but only two blocks of them act
on the prediction: ``P = W^{PV}[0:d, d:3d]`` (``d × 2d``) and ``Q = W^{KQ}[d:3d, d:3d]`` (``2d × 2d``); see
:mod:`mesatheory.model.full`. The diagonal form of Assumption 1 (the paper's Assumption 3.1) is
``Q_{10} = a I`` (``W^{KQ}_{32}``), ``P_0 = b I`` (``W^{PV}_{12}``), every other entry zero.
"""

from __future__ import annotations

import numpy as np


def diagonal_blocks(d: int, a0: float, b0: float, complex_params: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Active blocks ``(P, Q)`` of the diagonal initialisation (Assumption 1): ``P_0 = b_0 I``, ``Q_{10} = a_0 I``.

    Args:
        d: the dimension.
        a0: the diagonal of ``W^{KQ}_{32}``.
        b0: the diagonal of ``W^{PV}_{12}``.
        complex_params: complex128 blocks (as the official code) instead of float64.

    Returns:
        ``(P, Q)`` of shapes ``(d, 2d)`` and ``(2d, 2d)``, zero off the diagonal form.
    """
    dtype = np.complex128 if complex_params else np.float64
    P = np.zeros((d, 2 * d), dtype=dtype)
    Q = np.zeros((2 * d, 2 * d), dtype=dtype)
    P[:, :d] = b0 * np.eye(d)
    Q[d:, :d] = a0 * np.eye(d)
    return P, Q


def random_blocks(d: int, sigma_w: float, seed: int, complex_params: bool = False
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Active blocks with every entry ``σ_w · N(0, 1)`` (the paper's appendix experiment, its Figure 5).

    Draws ``P`` (row-major) then ``Q`` from ``numpy.random.default_rng(seed)``.

    Args:
        d: the dimension.
        sigma_w: the standard deviation of every entry.
        seed: the seed of the draws.
        complex_params: complex128 blocks (real entries) instead of float64.

    Returns:
        ``(P, Q)`` of shapes ``(d, 2d)`` and ``(2d, 2d)``.
    """
    rng = np.random.default_rng(seed)
    P = sigma_w * rng.standard_normal((d, 2 * d))
    Q = sigma_w * rng.standard_normal((2 * d, 2 * d))
    dtype = np.complex128 if complex_params else np.float64
    return P.astype(dtype), Q.astype(dtype)


def to_full(P: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The full matrices holding the active blocks, zero elsewhere.

    Args:
        P: the active block of ``W^{PV}``, shape ``(d, 2d)``.
        Q: the active block of ``W^{KQ}``, shape ``(2d, 2d)``.

    Returns:
        ``(W^{KQ}, W^{PV})``, each ``3d × 3d``.
    """
    d = P.shape[0]
    WKQ = np.zeros((3 * d, 3 * d), dtype=np.result_type(P, Q))
    WPV = np.zeros_like(WKQ)
    WKQ[d:, d:] = Q
    WPV[:d, d:] = P
    return WKQ, WPV


def from_full(WKQ: np.ndarray, WPV: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The active blocks ``(P, Q)`` of full ``3d × 3d`` matrices (the other entries do not affect ``ŷ``).

    Args:
        WKQ: ``W^{KQ}``, ``3d × 3d``.
        WPV: ``W^{PV}``, ``3d × 3d``.

    Returns:
        Copies of ``P = W^{PV}[0:d, d:3d]`` and ``Q = W^{KQ}[d:3d, d:3d]``.
    """
    d = WKQ.shape[0] // 3
    if WKQ.shape != (3 * d, 3 * d) or WPV.shape != (3 * d, 3 * d):
        raise ValueError(f"expected two 3d×3d matrices, got {WKQ.shape} and {WPV.shape}")
    return WPV[:d, d:].copy(), WKQ[d:, d:].copy()


def diagonal_product(P: np.ndarray, Q: np.ndarray) -> float:
    """``ab``: mean over ``j`` of ``Re W^{KQ}_{32}[j,j] · Re W^{PV}_{12}[j,j]`` (the official code's logged value).

    Args:
        P: the active block of ``W^{PV}``.
        Q: the active block of ``W^{KQ}``.

    Returns:
        The mean product of the diagonal entries.
    """
    d = P.shape[0]
    return float(np.mean(np.diag(Q[d:, :d]).real * np.diag(P[:, :d]).real))


def offdiagonal(P: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(P, Q)`` minus their diagonal form: everything except ``diag(W^{PV}_{12})`` and ``diag(W^{KQ}_{32})``.

    Args:
        P: the active block of ``W^{PV}``.
        Q: the active block of ``W^{KQ}``.

    Returns:
        Copies of ``(P, Q)`` with those diagonals set to zero.
    """
    d = P.shape[0]
    Po, Qo = P.copy(), Q.copy()
    idx = np.arange(d)
    Po[idx, idx] = 0
    Qo[d + idx, idx] = 0
    return Po, Qo


def offdiagonal_norm(P: np.ndarray, Q: np.ndarray) -> float:
    """Frobenius norm of :func:`offdiagonal` (zero exactly on the diagonal form of Assumption 1).

    Args:
        P: the active block of ``W^{PV}``.
        Q: the active block of ``W^{KQ}``.

    Returns:
        The norm over both blocks.
    """
    Po, Qo = offdiagonal(P, Q)
    return float(np.sqrt(np.sum(np.abs(Po) ** 2) + np.sum(np.abs(Qo) ** 2)))


def mask_offdiagonal(P: np.ndarray, Q: np.ndarray) -> None:
    """Zero, in place, the off-diagonal entries of the two active blocks ``W^{PV}_{12}``, ``W^{KQ}_{32}``.

    This is the official code's ``--clip``: only these two blocks are masked, the other blocks stay free.

    Args:
        P: the active block of ``W^{PV}`` (modified).
        Q: the active block of ``W^{KQ}`` (modified).
    """
    d = P.shape[0]
    keep = np.eye(d, dtype=bool)
    P[:, :d][~keep] = 0
    Q[d:, :d][~keep] = 0


def gradient_dtype(P: np.ndarray, Q: np.ndarray, gP: np.ndarray, gQ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The gradient in the parameters' own type: real parameters get ``∂L/∂θ``, complex ones ``∂L/∂Re + i ∂L/∂Im``.

    Args:
        P: the active block of ``W^{PV}`` (its dtype decides).
        Q: the active block of ``W^{KQ}``.
        gP: the complex gradient with respect to ``P``.
        gQ: the complex gradient with respect to ``Q``.

    Returns:
        ``(gP, gQ)``: their real parts (copies) for real parameters, complex128 otherwise.
    """
    if np.iscomplexobj(P) or np.iscomplexobj(Q):
        return gP.astype(np.complex128), gQ.astype(np.complex128)
    return gP.real.copy(), gQ.real.copy()
