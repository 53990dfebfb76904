"""The full one-layer linear attention model: every entry of ``W^{KQ}`` and ``W^{PV}`` free (docs/paper.md §2).

Model. ``e_t = (0, x_t, x_{t-1}) ∈ C^{3d}`` (``x_0 = 0``), ``ŷ_t = [W^{PV} E_t E_t^* W^{KQ} e_t]_{1:d} / (t-1)``
(the residual ``e_t`` contributes ``[e_t]_{1:d} = 0``). Loss, with the official code's normalisation (sum over
positions ``t = 2..T-1`` and coordinates, mean over the ``m`` sequences)::

    L(θ) = (1/m) Σ_n Σ_{t=2}^{T-1} ½ ||ŷ_t - x_{t+1}||².

**Which entries matter.** Write ``z_t = (x_t, x_{t-1}) ∈ C^{2d}``. Row block 1 of ``E_t^*`` and column block 1 of
``e_t`` are zero, and only output rows ``1..d`` are read, so ``ŷ_t = P S_t Q z_t / (t-1)`` with

* ``P = W^{PV}[0:d, d:3d]`` (``d × 2d``: blocks ``P_0 = W^{PV}_{12}``, ``P_1 = W^{PV}_{13}``),
* ``Q = W^{KQ}[d:3d, d:3d]`` (``2d × 2d``: blocks ``Q_{γδ} = W^{KQ}_{2+γ, 2+δ}``),
* ``S_t = Σ_{i≤t} z_i z_i^*``.

Every other entry of the two ``3d × 3d`` matrices has an identically zero gradient (it multiplies a zero
block or feeds an output that is not read), so it keeps its initial value; the functions below take and
return the two *active* blocks ``(P, Q)`` and :func:`to_full` / :func:`from_full` convert. The diagonal form of
Assumption 1 is ``Q_{10} = a I`` (``W^{KQ}_{32}``), ``P_0 = b I`` (``W^{PV}_{12}``), everything else zero.

**Gradients** (derived by hand; checked against finite differences in the tests). With residual
``r_t = ŷ_t - x_{t+1}``, ``r̃_t = r_t / ((t-1) m)``, ``p_i = P z_i``, ``q_t = Q z_t``, ``A_t = Σ_{i≤t} p_i z_i^*``::

    ∇_P L = Σ_{n,t} r̃_t (S_t q_t)^* = Σ_{n,i} (B_i z_i) z_i^*,   B_i = Σ_{t≥i} r̃_t q_t^*   (reverse prefix sum)
    ∇_Q L = Σ_{n,t} (S_t P^* r̃_t) z_t^* = Σ_{n,t} (A_t^* r̃_t) z_t^*.

For complex parameters these are PyTorch's convention ``∂L/∂Re + i ∂L/∂Im`` (so gradient descent on the
complex entries is gradient descent on their real and imaginary parts); for real parameters take the real part.

Implementations of the same maths (one model; they check each other in the tests):

* :func:`loss_and_grad_direct` — prefix sums over any sequences ``X`` (no AR structure used),
  ``O(n T d²)`` time and memory per chunk; used for exact cubature and as a cross-check.
* :class:`mesatheory.model.spectral.SpectralData` — the fast path for AR data (no prefix sums);
* :func:`mesatheory.model.reference.loss_and_grad_reference` — the official per-prefix algorithm;
* :mod:`mesatheory.model.diagonal` — the model restricted to the diagonal form.

:class:`LastPosition` evaluates the prediction at ``t = T-1`` only (the test metrics).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .parameters import gradient_dtype

DIRECT_CHUNK = 128       # sequences per chunk in the direct path (memory O(chunk · T · d²))



def embed(X: np.ndarray) -> np.ndarray:
    """The reduced embedding ``Z[:, s] = z_{s+1} = (x_{s+1}, x_s)`` with ``x_0 = 0``.

    Args:
        X: sequences of shape ``(n, T, d)``.

    Returns:
        ``Z`` of shape ``(n, T, 2d)``, complex128.
    """
    n, T, d = X.shape
    Z = np.zeros((n, T, 2 * d), dtype=np.complex128)
    Z[:, :, :d] = X
    Z[:, 1:, d:] = X[:, :-1]
    return Z


def direct_chunk(P: np.ndarray, Q: np.ndarray, X: np.ndarray, want_grad: bool
                  ) -> tuple[float, np.ndarray | None, np.ndarray | None, np.ndarray]:
    """Unnormalised ``Σ ½|r|²``, ``Σ r̃ (S q)^*``, ``Σ (A^* r̃) z^*`` (``r̃ = r/(t-1)``) and ``ŷ`` for one chunk.

    Args:
        P: the active block of ``W^{PV}``, shape ``(d, 2d)``.
        Q: the active block of ``W^{KQ}``, shape ``(2d, 2d)``.
        X: the chunk's sequences, shape ``(n, T, d)``.
        want_grad: whether to compute the gradients.

    Returns:
        ``(loss, gP, gQ, yhat)``: the loss summed over the chunk, the complex gradients (``None`` without
        ``want_grad``) and the predictions of shape ``(n, T-2, d)``.
    """
    n, T, d = X.shape
    Z = embed(X)
    p = Z @ P.T                                   # p_i = P z_i        (n, T, d)
    q = Z @ Q.T                                   # q_t = Q z_t        (n, T, 2d)
    A = np.cumsum(p[:, :, :, None] * Z.conj()[:, :, None, :], axis=1)   # A_t = Σ_{i≤t} p_i z_i^*
    t = np.arange(2, T, dtype=np.float64)        # positions t = 2..T-1 ↔ index s = t-1
    yhat = np.einsum("ntjk,ntk->ntj", A[:, 1:T - 1], q[:, 1:T - 1]) / (t - 1)[None, :, None]
    r = yhat - X[:, 2:]
    loss = 0.5 * float(np.sum(np.abs(r) ** 2))
    if not want_grad:
        return loss, None, None, yhat
    rt = r / (t - 1)[None, :, None]               # r̃_t
    w = np.einsum("ntjk,ntj->ntk", A[:, 1:T - 1].conj(), rt)           # A_t^* r̃_t
    gQ = np.einsum("ntk,ntl->kl", w, Z[:, 1:T - 1].conj())
    outer = np.zeros((n, T, d, 2 * d), dtype=np.complex128)
    outer[:, 1:T - 1] = rt[:, :, :, None] * q[:, 1:T - 1].conj()[:, :, None, :]
    B = np.cumsum(outer[:, ::-1], axis=1)[:, ::-1]                       # B_i = Σ_{t≥i} r̃_t q_t^*
    u = np.einsum("nijk,nik->nij", B, Z)                                 # B_i z_i
    gP = np.einsum("nij,nik->jk", u, Z.conj())
    return loss, gP, gQ, yhat


def predictions(P: np.ndarray, Q: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The full model's predictions ``ŷ_t`` for ``t = 2..T-1``, by prefix sums.

    Args:
        P: the active block of ``W^{PV}``.
        Q: the active block of ``W^{KQ}``.
        X: sequences of shape ``(n, T, d)``.

    Returns:
        ``ŷ`` of shape ``(n, T-2, d)``; row ``t-2`` is ``ŷ_t``.
    """
    out = [direct_chunk(P, Q, X[s:s + DIRECT_CHUNK], False)[3] for s in range(0, len(X), DIRECT_CHUNK)]
    return np.concatenate(out) if out else np.zeros((0, X.shape[1] - 2, X.shape[2]), np.complex128)


def loss_and_grad_direct(P: np.ndarray, Q: np.ndarray, X: np.ndarray, weights: np.ndarray | None = None
                         ) -> tuple[float, np.ndarray, np.ndarray]:
    """``L``, ``∇_P L``, ``∇_Q L`` over the sequences ``X`` (``(n, T, d)``, any values), by prefix sums.

    ``L = Σ_n w_n Σ_t ½ ||ŷ_t - x_{t+1}||²`` with ``w_n = 1/n`` (the official mean) unless ``weights`` is given
    (e.g. cubature weights).

    Args:
        P: the active block of ``W^{PV}``.
        Q: the active block of ``W^{KQ}``.
        X: sequences of shape ``(n, T, d)``.
        weights: per-sequence weights ``w_n`` (default ``1/n``).

    Returns:
        ``(L, ∇_P L, ∇_Q L)``; the gradients in the parameters' type
        (:func:`mesatheory.model.parameters.gradient_dtype`).
    """
    n = len(X)
    if weights is None:
        weights = np.full(n, 1.0 / n)
    loss = 0.0
    gP = np.zeros(P.shape, np.complex128)
    gQ = np.zeros(Q.shape, np.complex128)
    for s in range(0, n, DIRECT_CHUNK):
        w = weights[s:s + DIRECT_CHUNK]
        if np.all(w == w[0]):
            l, p, q, _ = direct_chunk(P, Q, X[s:s + DIRECT_CHUNK], True)
            loss += w[0] * l
            gP += w[0] * p
            gQ += w[0] * q
        else:
            for i, wi in enumerate(w):
                l, p, q, _ = direct_chunk(P, Q, X[s + i:s + i + 1], True)
                loss += wi * l
                gP += wi * p
                gQ += wi * q
    return (loss, *gradient_dtype(P, Q, gP, gQ))



@dataclass(frozen=True)
class LastPosition:
    """What the prediction at ``t = T-1`` needs: ``S_{T-1}`` (``(n, 2d, 2d)``), ``z_{T-1}``, the target ``x_T``."""

    S: np.ndarray
    z: np.ndarray
    target: np.ndarray
    T: int

    @classmethod
    def from_sequences(cls, X: np.ndarray) -> LastPosition:
        """The last-position data of the sequences ``X``.

        Args:
            X: sequences of shape ``(n, T, d)``.

        Returns:
            ``S_{T-1}``, ``z_{T-1}`` and ``x_T`` of every sequence.
        """
        Z = embed(X)
        T = X.shape[1]
        S = np.einsum("nia,nib->nab", Z[:, :T - 1], Z[:, :T - 1].conj())
        return cls(S=S, z=Z[:, T - 2], target=X[:, T - 1], T=T)

    def predict(self, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """The prediction at the last position, ``ŷ_{T-1} = P S_{T-1} Q z_{T-1} / (T-2)``.

        Args:
            P: the active block of ``W^{PV}``.
            Q: the active block of ``W^{KQ}``.

        Returns:
            ``ŷ_{T-1}`` of shape ``(n, d)``.
        """
        s = np.einsum("nab,nb->na", self.S, self.z @ Q.T)
        return (s @ P.T) / (self.T - 2)
