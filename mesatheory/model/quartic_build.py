"""The data tables ``K4, K2, K0`` of the quartic loss (:mod:`mesatheory.model.quartic`), built from AR sequences.

With ``z_t = A ∘ ψ_{t-1}`` (``A = (x_1, x_1 ∘ λ̄)``, ``ψ_s = λ^s``) and
``S_t[βk, γl] = A_{βk} Ā_{γl} (g_t[k,l] - e_{βγ})``, ``g_t[k,l] = Σ_{s=0}^{t-1} (λ_k λ̄_l)^s``, ``e_{βγ} = [β∨γ = 1]``
(see :mod:`mesatheory.model.spectral`), every feature ``F_t(α) = S_t[a,b] z_t[c]`` of one sequence is::

    F_t(α) = X_3(p) · conj(L_α) · (u_t(p) - e_α v_t(n)),   p = (k, l, n),  α = (a, b, c) = ((β,k), (γ,l), (δ,n)),
    X_3(p) = x_k x_l x_n,   L_α = λ_k^β λ̄_l^γ λ_n^δ,   u_t(p) = g_t[k,l] ψ_{t-1,n},   v_t(n) = ψ_{t-1,n}.

So one sequence's share of ``K4[α, α'] = Re Σ_t (t-1)^{-2} conj F_t(α) F_t(α')`` is
``X_3 X_3' Re(L_α B_{e e'}(p, p') conj L_α')`` with the ``d³ × d³`` sums over positions
``B_{ee'} = U - e' V_1[p, n'] - e conj V_1[p', n] + e e' V_0[n, n']``, ``U[p,p'] = Σ_t w_t ū_t(p) u_t(p')``,
``V_1[p,n'] = Σ_t w_t ū_t(p) v_t(n')``, ``V_0[n,n'] = Σ_t w_t v̄_t(n) v_t(n')`` (``w_t = (t-1)^{-2}``).

Since ``g_t[l,k] = conj g_t[k,l]`` and ``g_t[k,k] = t``, ``g`` takes only ``n_h = d(d-1)/2 + 1`` distinct functions
of ``t``, and ``ū_t(p) u_t(p') = conj(g) g' · ν_t[n,n']`` with ``ν_t = conj(ψ_{t-1,n}) ψ_{t-1,n'}``: every entry of
``U, V_1, V_0`` is one entry of the table ``G[left, n, n', right] = Σ_t left_t ν_t[n,n'] right_t`` with
``left ∈ (w conj h, w h, w)`` and ``right ∈ (h, 1)`` — one batched BLAS product of ``(2n_h+1) × (T-2) × d²(n_h+1)``
per sequence (``6.8·10⁵`` at ``d = 5``, ``T = 100``, against ``d⁶ T = 1.5·10⁶`` for ``U`` itself). The
expansion to the ``(2d)⁶`` entries (``32 d⁶`` per sequence, upper triangle) is a numba kernel that runs over blocks
of sequences (one pass over ``K4`` per block, not per sequence). Sequences are grouped by the set of their non-zero
coordinates: only triples ``p`` inside it enter, and the group is built as a problem in those coordinates
(one-hot ``x_1``: ``d = 1``).

``K2[j, α] = Re Σ_t (t-1)^{-1} conj(x_{t+1,j}) F_t(α)`` and ``K0 = Σ_t ||x_{t+1}||² = (T-2) ||x_1||²`` likewise.
Sums over positions use ``g_t`` from prefix sums of exact powers (no ``1/(1-λ_k λ̄_l)``: no degenerate pairs).
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

from .process import phase_powers
from .spectral import single_threaded_blas

BLOCK = 64     # sequences per block (tables ≈ 16 MB at d = 5; measured: builds 1.1–1.2× faster than with 128)
SIGNS = np.array([b | g for b in (0, 1) for g in (0, 1) for _ in (0, 1)], dtype=np.int64)   # e_α for i = (β,γ,δ)


def _g_basis(d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``g_t[k,l]`` as one of ``n_h = d(d-1)/2 + 1`` functions: ``h_0 = t``, ``h_i = g_t[k,l]`` (``k < l``), conjugates.

    Returns:
        ``(pairs, hidx, hconj)``: the ``(k, l)`` of ``h_1..``, and for every ``(k, l)`` the index ``i`` and
        whether ``g_t[k,l] = conj h_i`` (``k > l``).
    """
    pairs = np.array([(k, l) for k in range(d) for l in range(k + 1, d)], dtype=np.int64).reshape(-1, 2)
    hidx = np.zeros((d, d), dtype=np.int64)
    for i, (k, l) in enumerate(pairs):
        hidx[k, l] = hidx[l, k] = i + 1
    hconj = np.tril(np.ones((d, d), dtype=np.int64), -1)
    return pairs, hidx, hconj


# the signature makes numba compile (or load its cache) when the module is imported, not at the first call: a
# forkserver that preloads this module hands the compiled kernel to every worker (measured: 0.65 s per worker)
_EXPAND_SIGNATURE = ("void(float64[:, :, :, ::1], int64[::1], int64[:, ::1], int64[:, ::1], int64[:, ::1], "
                     "float64[:, :, :, :, ::1], float64[:, :, :, :, ::1], float64[:, :, ::1], float64[:, :, ::1], "
                     "int64[::1])")


@numba.njit(_EXPAND_SIGNATURE, cache=True, fastmath=True, nogil=True)
def _expand(K: np.ndarray, cols: np.ndarray, trip: np.ndarray, hidx: np.ndarray, hconj: np.ndarray,
            Gr: np.ndarray, Gi: np.ndarray, LXr: np.ndarray, LXi: np.ndarray,
            signs: np.ndarray) -> None:  # pragma: no cover - compiled
    """Add one block's ``X_3 X_3' Re(L B conj L')`` to ``K[p, p', i, j]`` for ``p ≤ p'`` (upper triangle).

    ``G[left, n, n', right, s] = Σ_t left_t ν_t right_t`` with ``left ∈ (w conj h, w h, w)``,
    ``right ∈ (h, 1)``, ``ν_t = conj(ψ_{t-1,n}) ψ_{t-1,n'}`` holds every ``U, V_1, V_0`` entry (module docstring);
    ``LX = X_3 L`` has shape ``(r, 8, s)``; ``cols`` maps triples to rows of ``K``; the last axis is the sequence.
    """
    r = trip.shape[0]
    nh = (Gr.shape[0] - 1) // 2
    n = Gr.shape[4]
    Br = np.empty((4, n))
    Bi = np.empty((4, n))
    LBr = np.empty((8, 2, n))
    LBi = np.empty((8, 2, n))
    for pi in range(r):
        p, k, l, a = cols[pi], trip[pi, 0], trip[pi, 1], trip[pi, 2]
        i, c1 = hidx[k, l], hconj[k, l]
        for qi in range(pi, r):
            q, k2, l2, b = cols[qi], trip[qi, 0], trip[qi, 1], trip[qi, 2]
            j, c2 = hidx[k2, l2], hconj[k2, l2]
            # U[p,q] = Σ w ν_{ab} conj(g_kl) g_k2l2: the conjugations decide which table and orientation
            if c2 == 0:
                u_re, u_im, usign = Gr[i + nh * c1, a, b, j], Gi[i + nh * c1, a, b, j], 1.0
            else:
                u_re, u_im, usign = Gr[i + nh * (1 - c1), b, a, j], Gi[i + nh * (1 - c1), b, a, j], -1.0
            v1r, v1i = Gr[i + nh * c1, a, b, nh], Gi[i + nh * c1, a, b, nh]              # V_1[p, n']
            v2r, v2i = Gr[j + nh * c2, b, a, nh], Gi[j + nh * c2, b, a, nh]              # V_1[p', n]
            v0r, v0i = Gr[2 * nh, a, b, nh], Gi[2 * nh, a, b, nh]                        # V_0[n, n']
            for s in range(n):
                ur, ui = u_re[s], usign * u_im[s]
                Br[0, s], Bi[0, s] = ur, ui
                Br[1, s], Bi[1, s] = ur - v1r[s], ui - v1i[s]
                Br[2, s], Bi[2, s] = ur - v2r[s], ui + v2i[s]
                Br[3, s] = ur - v1r[s] - v2r[s] + v0r[s]
                Bi[3, s] = ui - v1i[s] + v2i[s] + v0i[s]
            for ii in range(8):
                for ep in range(2):
                    row = 2 * signs[ii] + ep
                    for s in range(n):
                        lr, li = LXr[pi, ii, s], LXi[pi, ii, s]
                        LBr[ii, ep, s] = lr * Br[row, s] - li * Bi[row, s]
                        LBi[ii, ep, s] = lr * Bi[row, s] + li * Br[row, s]
            for ii in range(8):
                for jj in range(8):
                    ep = signs[jj]
                    acc = 0.0
                    for s in range(n):
                        acc += LBr[ii, ep, s] * LXr[qi, jj, s] + LBi[ii, ep, s] * LXi[qi, jj, s]
                    K[p, q, ii, jj] += acc


def _split(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary parts of ``z`` (sequence axis first) as contiguous arrays with the sequence axis last."""
    n = z.shape[0]
    parts = np.ascontiguousarray(z.reshape(n, -1).view(np.float64).reshape(n, -1, 2).T)   # one pass: (2, ·, n)
    return parts[0].reshape(z.shape[1:] + (n,)), parts[1].reshape(z.shape[1:] + (n,))


def _block_tables(x1: np.ndarray, theta: np.ndarray, T: int, trip: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One block's sums over positions: the table ``G`` of :func:`_expand`, ``LX`` and the ``K2`` part.

    Every array keeps the position axis last (contiguous), so that each broadcast product runs over ``T - 2``
    elements at a time and the products of ``G`` and ``Y`` pass their second operand transposed to BLAS (measured
    with ``python3 benchmarks/bench_build.py --against``: the whole build 1.3× faster than with positions in the
    middle, 1.48 s against 1.93 s for 2000 sequences at ``d = 5``, ``T = 100``).

    Args:
        x1: the block's first tokens ``(n, d)``.
        theta: the block's phases ``(n, d)``.
        T: the sequence length.
        trip: the support triples ``(r, 3)``.

    Returns:
        ``(Gr, Gi, LXr, LXi, K2)``: real and imaginary parts of ``G``, shape ``(2 n_h + 1, d, d, n_h + 1, n)``, and
        of ``LX``, shape ``(r, 8, n)`` (sequence axis last), and the block's ``K2`` in the layout ``(j, r, 8)``.
    """
    n, d = x1.shape
    pairs, hidx, hconj = _g_basis(d)
    nh = len(pairs) + 1
    pw = phase_powers(theta, T).transpose(0, 2, 1)               # (n, d, T): λ^s, s = 0..T-1
    tt = np.arange(2, T, dtype=np.float64)
    w, w1 = 1.0 / (tt - 1.0) ** 2, 1.0 / (tt - 1.0)
    # h_t: t, then g_t[k,l] (k < l) = Σ_{s<t} (λ_k λ̄_l)^s from prefix sums of exact powers; (h, conj h, 1) rows
    hh = np.empty((n, 2 * nh + 1, T - 2), np.complex128)
    hh[:, 0] = tt
    if len(pairs):
        hh[:, 1:nh] = np.cumsum(pw[:, pairs[:, 0], :T - 1] * pw[:, pairs[:, 1], :T - 1].conj(), axis=2)[:, :, 1:]
    hh[:, nh:2 * nh] = hh[:, :nh].conj()
    hh[:, 2 * nh] = 1.0
    psi = pw[:, :, 1:T - 1]                                       # ψ_{t-1}, t = 2..T-1
    right = np.concatenate([hh[:, :nh], hh[:, 2 * nh:]], axis=1)   # (h, 1)
    left = np.concatenate([hh[:, nh:2 * nh], hh[:, :nh], hh[:, 2 * nh:]], axis=1) * w     # w·(conj h, h, 1)
    # ν_t = conj ψ_n ψ_n' split between the factors: (left ⊗ conj ψ)(ψ ⊗ right)ᵀ, rows (left, n), columns
    # (n', right) — the product's flops, with operands of d(3n_h+2) rows instead of 2n_h+1 + d²(n_h+1)
    Lpsi = (left[:, :, None, :] * psi.conj()[:, None, :, :]).reshape(n, -1, T - 2)
    Rpsi = (psi[:, :, None, :] * right[:, None, :, :]).reshape(n, -1, T - 2)
    G = (Lpsi @ Rpsi.transpose(0, 2, 1)).reshape(n, 2 * nh + 1, d, d, nh + 1)
    k, l, nn = trip.T
    lam = pw[:, :, 1]
    lk, ll, ln = lam[:, k], lam[:, l].conj(), lam[:, nn]
    one = np.ones_like(lk)
    L = np.stack([(lk if b else one) * (ll if c else one) * (ln if e else one)
                  for b in (0, 1) for c in (0, 1) for e in (0, 1)], axis=2)     # (n, r, 8)
    LX = L * (x1[:, k] * x1[:, l] * x1[:, nn])[:, :, None]
    # K2: Σ_s x_j conj(LX) (Y1[j,p] - e Y0[j,n]),  Y = Σ_t (t-1)^{-1} conj(λ_j^t) ψ_{t-1,n} (g_t[k,l], 1)
    rho = (pw[:, :, None, 2:T].conj() * (psi * w1)[:, None, :, :]).reshape(n, d * d, T - 2)
    Y = (rho @ hh.transpose(0, 2, 1)).reshape(n, d, d, 2 * nh + 1)        # (n, j, n, h | conj h | 1)
    Y1 = Y[:, :, nn, hidx[k, l] + nh * hconj[k, l]] * x1[:, :, None]     # (n, j, r)
    Y0 = Y[:, :, nn, 2 * nh] * x1[:, :, None]
    LXh = LX.conj().transpose(1, 2, 0)                             # (r, 8, n)
    C1, C0 = LXh @ Y1.transpose(2, 0, 1), LXh @ Y0.transpose(2, 0, 1)      # (r, 8, j)
    K2 = (C1 - SIGNS[None, :, None] * C0).real.transpose(2, 0, 1)
    return (*_split(G), *_split(LX), K2)


def data_tables(x1: np.ndarray, theta: np.ndarray, T: int, progress: Callable[[float], None] | None = None
                ) -> tuple[np.ndarray, np.ndarray, float]:
    """``K4, K2, K0`` summed over the sequences ``x_s = Λ^{s-1} x_1`` (see the module docstring).

    Args:
        x1: first tokens, real, shape ``(m, d)``.
        theta: phases, shape ``(m, d)``.
        T: the sequence length (loss positions ``t = 2..T-1``).
        progress: if given, called with the fraction of sequences done after every block.

    Returns:
        ``(K4, K2, K0)``: ``K4`` of shape ``((2d)³, (2d)³)`` (symmetric), ``K2`` of shape ``(d, (2d)³)``, ``K0``;
        sums (not means) over the sequences.
    """
    m, d = x1.shape
    d3 = d**3
    K = np.zeros((d3, d3, 8, 8))
    K2r = np.zeros((d, d3, 8))
    support = x1 != 0
    groups: dict[bytes, list[int]] = {}
    for s, row in enumerate(support):
        groups.setdefault(row.tobytes(), []).append(s)
    done = 0
    for key in sorted(groups):
        idx = np.asarray(groups[key])
        on = np.flatnonzero(np.frombuffer(key, dtype=bool))      # the group's coordinates: a sub-problem
        if len(on) == 0:                                          # x_1 = 0: no feature is non-zero
            done += len(idx)
            continue
        r = len(on)
        trip = np.array([(a, b, c) for a in range(r) for b in range(r) for c in range(r)], dtype=np.int64)
        cols = (on[trip[:, 0]] * d + on[trip[:, 1]]) * d + on[trip[:, 2]]
        _, hidx, hconj = _g_basis(r)
        for s in range(0, len(idx), BLOCK):
            blk = idx[s:s + BLOCK]
            with single_threaded_blas():       # many mid-sized products: threads cost more than they give
                Gr, Gi, LXr, LXi, K2 = _block_tables(x1[np.ix_(blk, on)], theta[np.ix_(blk, on)], T, trip)
            K2r[np.ix_(on, cols)] += K2
            _expand(K, cols, trip, hidx, hconj, Gr, Gi, LXr, LXi, SIGNS)
            done += len(blk)
            if progress is not None:
                progress(done / m)
    low = np.tril_indices(d3, -1)
    K[low] = K.transpose(1, 0, 3, 2)[low]
    # (k, l, n, k', l', n', β, γ, δ, β', γ', δ') → α = ((β,k), (γ,l), (δ,n)), α' likewise
    K4 = K.reshape((d,) * 6 + (2,) * 6).transpose(6, 0, 7, 1, 8, 2, 9, 3, 10, 4, 11, 5).reshape(8 * d3, 8 * d3)
    K2 = K2r.reshape(d, d, d, d, 2, 2, 2).transpose(0, 4, 1, 5, 2, 6, 3).reshape(d, 8 * d3)
    K0 = float((T - 2) * np.sum(x1**2))
    return np.ascontiguousarray(K4), np.ascontiguousarray(K2), K0
