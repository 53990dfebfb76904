"""A reference implementation of the official training algorithm: per-prefix matrix products, ``O(m T² d²)``.

For the benchmark and for trajectory-agreement tests only. Same maths as :mod:`mesatheory.model.full`
(embedding ``z_t = (x_t, x_{t-1})``, active blocks ``P = W^{PV}[0:d, d:3d]``, ``Q = W^{KQ}[d:3d, d:3d]``,
loss ``(1/m) Σ_n Σ_{t=2}^{T-1} ½||ŷ_t - x_{t+1}||²``), computed the way the official code does: for every
prefix length ``t`` it forms ``E_t = (z_1, …, z_t)`` and evaluates ``ŷ_t = P E_t E_t^* Q z_t / (t-1)`` by
matrix products from the left, ``((P E_t) E_t^*) Q z_t``, vectorised over sequences and looping over ``t``.
The official code differentiates with PyTorch; here the backward pass through the same products is written
out (``∂M = r̃ (Q z_t)^*``, ``∇_Q += M^* r̃ z_t^*``, ``∇_P += ∂M E_t E_t^*`` with ``M = P E_t E_t^*``).
"""

from __future__ import annotations

import numpy as np

from .full import embed
from .parameters import diagonal_product, gradient_dtype, mask_offdiagonal

CHUNK = 2000  # sequences per chunk (bounds the (n, d, t) intermediates)


def loss_and_grad_reference(P: np.ndarray, Q: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``L``, ``∇_P L``, ``∇_Q L`` (mean over the ``n`` sequences of ``X``) by per-prefix products.

    Args:
        P: the active block of ``W^{PV}``, shape ``(d, 2d)``.
        Q: the active block of ``W^{KQ}``, shape ``(2d, 2d)``.
        X: sequences of shape ``(n, T, d)``.

    Returns:
        ``(L, ∇_P L, ∇_Q L)``; the gradients in the parameters' type
        (:func:`mesatheory.model.parameters.gradient_dtype`).
    """
    n, T, d = X.shape
    loss = 0.0
    gP = np.zeros(P.shape, np.complex128)
    gQ = np.zeros(Q.shape, np.complex128)
    for s in range(0, n, CHUNK):
        Z = embed(X[s:s + CHUNK])                  # (c, T, 2d), row i = z_{i+1}
        Et = np.ascontiguousarray(Z.transpose(0, 2, 1))   # (c, 2d, T): columns z_i
        Ec = Z.conj()                              # (c, T, 2d): rows z_i^*
        for t in range(2, T):
            E, Eh = Et[:, :, :t], Ec[:, :t]        # E_t and E_t^*
            zt = Z[:, t - 1]                       # z_t
            PE = P @ E                             # (c, d, t)
            M = PE @ Eh                            # P E_t E_t^*       (c, d, 2d)
            qt = zt @ Q.T                          # Q z_t             (c, 2d)
            yhat = np.einsum("nja,na->nj", M, qt) / (t - 1)
            r = yhat - X[s:s + CHUNK, t]
            loss += 0.5 * float(np.sum(np.abs(r) ** 2))
            rt = r / (t - 1)
            dM = rt[:, :, None] * qt.conj()[:, None, :]           # ∂L/∂M
            gQ += np.einsum("nja,nj,nb->ab", M.conj(), rt, zt.conj())
            gP += np.sum((dM @ E) @ Eh, axis=0)                   # ∂M E_t E_t^*
    scale = 1.0 / n
    return (loss * scale, *gradient_dtype(P, Q, gP * scale, gQ * scale))


def reference_trajectory(P: np.ndarray, Q: np.ndarray, X: np.ndarray, lr: float, epochs: int,
                         mask: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-batch gradient descent with :func:`loss_and_grad_reference`.

    Args:
        P: the initial active block of ``W^{PV}`` (not modified).
        Q: the initial active block of ``W^{KQ}`` (not modified).
        X: the training sequences, shape ``(n, T, d)``.
        lr: the learning rate.
        epochs: the number of gradient steps.
        mask: zero the off-diagonal entries of ``W^{PV}_{12}`` and ``W^{KQ}_{32}`` after each step.

    Returns:
        ``(ab, P, Q)``: ``ab`` before and after each step (``epochs + 1`` values) and the final blocks.
    """
    P, Q = P.copy(), Q.copy()
    ab = [diagonal_product(P, Q)]
    for _ in range(epochs):
        _, gP, gQ = loss_and_grad_reference(P, Q, X)
        P -= lr * gP
        Q -= lr * gQ
        if mask:
            mask_offdiagonal(P, Q)
        ab.append(diagonal_product(P, Q))
    return np.array(ab), P, Q
