"""The full model's loss and gradient on AR data, without prefix sums (the training engine).

Same model and loss as :mod:`mesatheory.model.full`; the AR structure ``x_s = Λ^{s-1} x_1`` replaces every prefix
sum by closed-form geometric sums of phase products:

* :class:`SpectralData` — the fast path for AR data ``x_s = Λ^{s-1} x_1``. With ``ψ_s = λ^s``,
  ``a_0 = x_1``, ``a_1 = x_1 ∘ λ̄`` one has ``z_s = (a_0 ∘ ψ_{s-1}, a_1 ∘ ψ_{s-1})`` for ``s ≥ 2`` and
  ``S_t[βk, γl] = a_{βk} ā_{γl} (g_t[k,l] - [β∨γ = 1])`` with ``g_t[k,l] = Σ_{s<t} (λ_k λ̄_l)^s``. Hence::

      (t-1) ŷ_t = P̄ G_t v_t - u_0 τ_t - u_1 σ_t,   v_t = Q̄ ψ_{t-1},   τ_t = ρ ψ_{t-1},   σ_t = Σ_l v_t[l]
      G_t = t I + H - Ψ_t H Ψ̄_t,   H[k,l] = 1/(1 - λ_k λ̄_l) (k ≠ l), H[k,k] = 0,   Ψ_t = diag(λ^t)

  with per-sequence ``d × d`` matrices ``P̄ = Σ_β P_β diag(a_β)``, ``Q̄ = Σ_{γδ} diag(ā_γ) Q_{γδ} diag(a_δ)``,
  ``u_β = P_β a_β``, ``ρ = Σ_δ (ā_1ᵀ Q_{1δ}) ∘ a_δ``. No prefix sum is needed. With ``X_t = (G_t v_t, τ_t, σ_t)``,
  ``P̃ = [P̄, -u_0, -u_1]`` and the residual ``R_t = P̃ X_t - (t-1) x_{t+1}``, the backward pass is
  ``∇_{P̃} = Σ_t R_t X_t^*/(t-1)²``, ``X̄_t = P̃^* R_t/(t-1)²``, ``v̄_t = G_t η̄_t + σ̄_t 1`` (``G_t`` is Hermitian),
  ``∇_{Q̄} = Σ_t v̄_t ψ_{t-1}^*``, ``∇_ρ = Σ_t τ̄_t ψ_{t-1}^*``, then back to ``P, Q`` through the diagonal scalings.
  Seven batched products of ``d``-sized matrices per chunk, ≈ 275 complex multiply-adds per position and
  sequence (the per-prefix reference needs ≈ ``8 d² t`` at position ``t``). Sequences with a near-degenerate pair
  of phases (``|1 - λ_k λ̄_l| < DEGENERATE``, where ``H`` would lose precision) go through the direct path.
* **One non-zero coordinate** (``x_1 = c e_k``, e.g. the sparse law): then ``P̄ = p̄ e_kᵀ``, ``Q̄ = q̄ e_k e_kᵀ`` with
  ``p̄ = c (P_0[:,k] + λ̄_k P_1[:,k])``, ``q̄ = c² (Q_{00} + λ̄_k Q_{01} + λ_k Q_{10} + Q_{11})[k,k]``,
  ``ρ = c² (λ_k Q_{10} + Q_{11})[k,k] e_kᵀ``, and ``G_t[k,k] = t``, so
  ``(t-1)(ŷ_t - x_{t+1}) = λ_k^{t-1} (t α + β)`` with ``α = q̄ p̄ - c λ_k e_k``,
  ``β = c λ_k e_k - ρ_k u_0 - q̄ u_1``: the loss is ``½ (S_2 |α|² + 2 S_1 Re⟨α, β⟩ + S_0 |β|²)``,
  ``S_p = Σ_{t=2}^{T-1} t^p/(t-1)²`` — ``O(d)`` per sequence, no sum over positions.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController

from .full import DIRECT_CHUNK, direct_chunk
from .parameters import gradient_dtype
from .process import phase_powers, sequences

SPECTRAL_CHUNK = 128     # sequences per chunk in the spectral path (keeps the working set in cache)
DEGENERATE = 1e-4        # |1 - λ_k λ̄_l| below which a sequence uses the direct path


@cache
def _threadpools() -> ThreadpoolController:
    """The process's thread pools, found once (a scan of the loaded libraries: 1.6 ms, which per-epoch limits paid
    every time)."""
    return ThreadpoolController()


def single_threaded_blas() -> AbstractContextManager:
    """Limit BLAS to one thread while in the context (``threadpoolctl``).

    The kernels below make thousands of tiny matrix products; a multithreaded BLAS spends more time starting
    threads than computing (measured: 2× slower per epoch). Parallelism, if wanted, comes from ``workers``. The
    BLAS libraries are those loaded at the first call (NumPy's and SciPy's are loaded on import).

    Returns:
        A context manager.
    """
    return _threadpools().limit(limits=1, user_api="blas")


@dataclass
class SpectralData:
    """Precomputed, parameter-free quantities of ``m`` AR sequences (``x_1``, ``θ``) of length ``T``.

    ``loss_and_grad`` is the official loss and its gradient over these sequences (mean over sequences).
    """

    x1: np.ndarray
    theta: np.ndarray
    T: int
    lam: np.ndarray = field(init=False, repr=False)
    onehot: np.ndarray = field(init=False, repr=False)
    regular: np.ndarray = field(init=False, repr=False)
    _X_degenerate: np.ndarray = field(init=False, repr=False)
    _tables: dict | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self.x1 = np.asarray(self.x1, dtype=np.float64)
        self.theta = np.asarray(self.theta, dtype=np.float64)
        if self.T < 3:
            raise ValueError("T must be at least 3 (the loss runs over t = 2..T-1)")
        if self.x1.shape != self.theta.shape or self.x1.ndim != 2:
            raise ValueError(f"x1 and theta must both be (m, d); got {self.x1.shape} and {self.theta.shape}")
        m, d = self.x1.shape
        self.lam = np.exp(1j * self.theta)
        mu = self.lam[:, :, None] * self.lam.conj()[:, None, :]
        gap = np.where(np.eye(d, dtype=bool)[None], np.inf, np.abs(1.0 - mu))
        self.onehot = np.count_nonzero(self.x1, axis=1) <= 1
        self.regular = (gap.reshape(m, -1).min(axis=1) >= DEGENERATE) & ~self.onehot
        bad = ~self.regular & ~self.onehot
        self._X_degenerate = sequences(self.x1[bad], self.theta[bad], self.T)
        self._tables: dict[str, np.ndarray] | None = None

    @property
    def m(self) -> int:
        """The number of sequences."""
        return self.x1.shape[0]

    @property
    def d(self) -> int:
        """The dimension of ``x_1``."""
        return self.x1.shape[1]

    def _build_tables(self) -> dict[str, np.ndarray]:
        """Parameter-free tables of the regular sequences, built once (``≈ 4·m·d·T`` complex numbers).

        ``pw = λ^s``, ``pwc = λ̄^s`` (``s = 1..T-1``), ``psiH[t] = (λ̄^{t-1})ᵀ`` (``t = 2..T-1``), the scaled
        targets ``y = (t-1) x_{t+1}`` and ``H``. Powers are products of two exact exponentials
        ``λ^{Bq}·λ^r`` (one rounding) instead of a complex ``exp`` per entry.
        """
        idx = np.flatnonzero(self.regular)
        d, T, n = self.d, self.T, len(idx)
        theta = self.theta[idx]
        pw = np.empty((n, d, T - 1), np.complex128)
        for s in range(0, n, SPECTRAL_CHUNK):
            sl = slice(s, s + SPECTRAL_CHUNK)
            pw[sl] = phase_powers(theta[sl], T)[:, 1:].transpose(0, 2, 1)
        pwc = pw.conj()
        psiH = np.ascontiguousarray(pwc[:, :, :T - 2].transpose(0, 2, 1))
        y = pw[:, :, 1:] * (np.arange(1, T - 1, dtype=np.float64) * 1.0)[None, None, :] * self.x1[idx][:, :, None]
        lam = self.lam[idx]
        mu = lam[:, :, None] * lam.conj()[:, None, :]
        np.einsum("nkk->nk", mu)[...] = 0.0
        H = 1.0 / (1.0 - mu)
        np.einsum("nkk->nk", H)[...] = 0.0
        return {"idx": idx, "pw": pw, "pwc": pwc, "psiH": psiH, "y": y, "H": H}

    def _spectral_chunk(self, P: np.ndarray, Q: np.ndarray, sl: slice, want_grad: bool
                        ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """Unnormalised loss and gradients of the regular sequences ``sl`` (positions in the tables)."""
        tb = self._tables
        assert tb is not None, "the tables are built by loss_and_grad"
        d, T = self.d, self.T
        Tp = T - 2
        idx = tb["idx"][sl]
        n = len(idx)
        x1, lam = self.x1[idx], self.lam[idx]
        pw, pwc, H = tb["pw"][sl], tb["pwc"][sl], tb["H"][sl]
        psi, psi_next, psic_next = pw[:, :, :Tp], pw[:, :, 1:], pwc[:, :, 1:]
        tt = np.arange(2, T, dtype=np.float64)
        wt = 1.0 / (tt - 1.0) ** 2
        a0 = x1.astype(np.complex128)
        a1 = x1 * lam.conj()
        ca1 = a1.conj()                                # x_1 is real: ā_0 = a_0
        P0, P1 = P[:, :d], P[:, d:]
        Q00, Q01, Q10, Q11 = Q[:d, :d], Q[:d, d:], Q[d:, :d], Q[d:, d:]
        # per-sequence matrices: P̃ = [P̄, -u_0, -u_1] and the rows [Q̄; ρ; 1ᵀQ̄; HQ̄]
        Pt = np.empty((n, d, d + 2), np.complex128)
        Pt[:, :, :d] = P0[None] * a0[:, None, :] + P1[None] * a1[:, None, :]
        Pt[:, :, d] = -(a0 @ P0.T)
        Pt[:, :, d + 1] = -(a1 @ P1.T)
        Qr = np.empty((n, 2 * d + 2, d), np.complex128)
        Qbar = Qr[:, :d]
        Qbar[...] = (a0[:, :, None] * (Q00[None] * a0[:, None, :] + Q01[None] * a1[:, None, :])
                     + ca1[:, :, None] * (Q10[None] * a0[:, None, :] + Q11[None] * a1[:, None, :]))
        Qr[:, d] = (ca1 @ Q10) * a0 + (ca1 @ Q11) * a1
        np.sum(Qbar, axis=1, out=Qr[:, d + 1])
        np.matmul(H, Qbar, out=Qr[:, d + 2:])
        # forward: X_t = (η_t, τ_t, σ_t) with η_t = t v_t + H v_t - ψ_t ∘ H(ψ̄_t ∘ v_t)
        V = Qr @ psi                                   # rows v_t, τ_t, σ_t, H v_t
        v = V[:, :d]
        HW = H @ (psic_next * v)
        HW *= psi_next
        v *= tt
        v += V[:, d + 2:]
        v -= HW                                        # now η_t
        X = V[:, :d + 2]
        R = Pt @ X                                     # (t-1) ŷ_t ...
        R -= tb["y"][sl]                               # ... - (t-1) x_{t+1}
        Rw = R * wt                                    # r_t / (t-1)
        loss = 0.5 * float(np.vdot(R, Rw).real)
        if not want_grad:
            return loss, None, None
        gPt = (Rw.conj() @ X.transpose(0, 2, 1)).conj()        # Σ_t r̃_t X_t^*
        Pth = np.ascontiguousarray(Pt.conj().transpose(0, 2, 1))
        Bk = np.empty((n, 2 * d + 2, Tp), np.complex128)
        np.matmul(Pth, Rw, out=Bk[:, :d + 2])          # rows η̄_t, τ̄_t, σ̄_t
        etab = Bk[:, :d]
        vb = Bk[:, d + 2:]
        np.matmul(H, psic_next * etab, out=vb)
        vb *= psi_next
        tmp = etab * tt
        tmp += Bk[:, d + 1][:, None, :]
        np.subtract(tmp, vb, out=vb)                   # v̄_t minus its H η̄_t part
        C = Bk @ tb["psiH"][sl]                        # Σ_t (row) ψ_{t-1}^*
        gQbar = C[:, d + 2:] + H @ C[:, :d]            # H is Hermitian
        grho = C[:, d]
        # back to the global P, Q
        gPbar = gPt[:, :, :d]
        gP = np.empty(P.shape, np.complex128)
        gP[:, :d] = np.einsum("njk,nk->jk", gPbar - gPt[:, :, d:d + 1], a0)
        gP[:, d:] = np.einsum("njk,nk->jk", gPbar - gPt[:, :, d + 1:d + 2], ca1)
        left = (gQbar * a0[:, :, None], (gQbar + grho[:, None, :]) * a1[:, :, None])
        gQ = np.empty(Q.shape, np.complex128)
        ca = (a0, ca1)
        for g in (0, 1):
            for h in (0, 1):
                gQ[g * d:(g + 1) * d, h * d:(h + 1) * d] = np.einsum("nlk,nk->lk", left[g], ca[h])
        return loss, gP, gQ

    def _onehot_part(self, P: np.ndarray, Q: np.ndarray, want_grad: bool
                     ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """Unnormalised loss and gradients of the sequences with ``x_1 = c e_k`` (closed form over ``t``)."""
        d, T = self.d, self.T
        idx = np.flatnonzero(self.onehot)
        x1 = self.x1[idx]
        k = np.argmax(np.abs(x1), axis=1)
        c = x1[np.arange(len(idx)), k]
        lk = self.lam[idx, k]
        t = np.arange(2, T, dtype=np.float64)
        S0, S1, S2 = (float(np.sum(t**p / (t - 1.0) ** 2)) for p in (0, 1, 2))
        P0k, P1k = P[:, k].T, P[:, d + k].T                         # (n, d)
        Qkk = [[Q[g * d + k, h * d + k] for h in (0, 1)] for g in (0, 1)]
        c2 = c * c
        pbar = c[:, None] * (P0k + lk.conj()[:, None] * P1k)
        u0 = c[:, None] * P0k
        u1 = (c * lk.conj())[:, None] * P1k
        qbar = c2 * (Qkk[0][0] + lk.conj() * Qkk[0][1] + lk * Qkk[1][0] + Qkk[1][1])
        rho = c2 * (lk * Qkk[1][0] + Qkk[1][1])
        ek = np.zeros((len(idx), d), np.complex128)
        ek[np.arange(len(idx)), k] = c * lk
        alpha = pbar * qbar[:, None] - ek
        beta = ek - rho[:, None] * u0 - qbar[:, None] * u1
        loss = 0.5 * float(S2 * np.sum(np.abs(alpha) ** 2) + 2 * S1 * np.sum((alpha.conj() * beta).real)
                           + S0 * np.sum(np.abs(beta) ** 2))
        if not want_grad:
            return loss, None, None
        ga, gb = S2 * alpha + S1 * beta, S1 * alpha + S0 * beta
        g_pbar = ga * qbar.conj()[:, None]
        g_qbar = np.sum(pbar.conj() * ga, axis=1) - np.sum(u1.conj() * gb, axis=1)
        g_rho = -np.sum(u0.conj() * gb, axis=1)
        g_u0 = -gb * rho.conj()[:, None]
        g_u1 = -gb * qbar.conj()[:, None]
        gP = np.zeros(P.shape, np.complex128)
        gQ = np.zeros(Q.shape, np.complex128)
        np.add.at(gP.T, k, c[:, None] * (g_pbar + g_u0))
        np.add.at(gP.T, d + k, (c * lk)[:, None] * (g_pbar + g_u1))
        np.add.at(gQ, (k, k), c2 * g_qbar)
        np.add.at(gQ, (k, d + k), c2 * lk * g_qbar)
        np.add.at(gQ, (d + k, k), c2 * lk.conj() * (g_qbar + g_rho))
        np.add.at(gQ, (d + k, d + k), c2 * (g_qbar + g_rho))
        return loss, gP, gQ

    def loss_and_grad(self, P: np.ndarray, Q: np.ndarray, workers: int = 1, want_grad: bool = True
                      ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """``L = (1/m) Σ_n Σ_t ½||ŷ_t - x_{t+1}||²`` and ``(∇_P L, ∇_Q L)`` over the ``m`` sequences.

        ``workers > 1`` spreads chunks over threads (NumPy releases the GIL); chunk results are summed in a
        fixed order, so the result does not depend on ``workers``.

        Args:
            P: the active block of ``W^{PV}``, shape ``(d, 2d)``.
            Q: the active block of ``W^{KQ}``, shape ``(2d, 2d)``.
            workers: the number of threads.
            want_grad: whether to compute the gradients.

        Returns:
            ``(L, ∇_P L, ∇_Q L)``; the gradients in the parameters' type
            (:func:`mesatheory.model.parameters.gradient_dtype`), ``None`` without ``want_grad``.
        """
        if self._tables is None:
            self._tables = self._build_tables()
        n = len(self._tables["idx"])
        chunks = [slice(s, min(s + SPECTRAL_CHUNK, n)) for s in range(0, n, SPECTRAL_CHUNK)]
        job = lambda sl: self._spectral_chunk(P, Q, sl, want_grad)
        with single_threaded_blas():
            if workers > 1 and len(chunks) > 1:
                with ThreadPoolExecutor(max_workers=workers) as pool:
                    parts = list(pool.map(job, chunks))
            else:
                parts = [job(c) for c in chunks]
        loss = sum(p[0] for p in parts)
        gP = np.zeros(P.shape, np.complex128)
        gQ = np.zeros(Q.shape, np.complex128)
        if want_grad:
            for _, p, q in parts:
                assert p is not None and q is not None
                gP += p
                gQ += q
        if self.onehot.any():
            l, p, q = self._onehot_part(P, Q, want_grad)
            loss += l
            if want_grad:
                assert p is not None and q is not None
                gP += p
                gQ += q
        if len(self._X_degenerate):
            for s in range(0, len(self._X_degenerate), DIRECT_CHUNK):
                l, p, q, _ = direct_chunk(P, Q, self._X_degenerate[s:s + DIRECT_CHUNK], want_grad)
                loss += l
                if want_grad:
                    assert p is not None and q is not None
                    gP += p
                    gQ += q
        scale = 1.0 / self.m
        if not want_grad:
            return loss * scale, None, None
        return (loss * scale, *gradient_dtype(P, Q, gP * scale, gQ * scale))
