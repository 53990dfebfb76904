"""The exact population gradient flow of the full model (every entry of ``W^{KQ}``, ``W^{PV}``), no sampling.

**The population loss is a quartic polynomial.** With the active blocks ``P`` (``d × 2d``) and ``Q`` (``2d × 2d``)
of :mod:`mesatheory.model.full` (the other entries have zero gradient) and ``ŷ'_t = (t-1) ŷ_t = P S_t Q z_t``::

    ŷ'_t[j] = Σ_α c_j(α) F_t(α),   c_j(α) = P[j,a] Q[b,c],   F_t(a,b,c) = S_t[a,b] z_t[c],   α = (a,b,c) ∈ [2d]³.

Index ``a = (β,k)`` means block ``β`` coordinate ``k`` (``x_t`` for ``β = 0``, ``x_{t-1}`` for ``β = 1``); likewise
``b = (γ,l)``, ``c = (δ,n)``. Since ``x_s = Λ^{s-1} x_1`` and ``x_0 = 0``,
``F_t(α) = x_{1k} x_{1l} x_{1n} φ_t(α)`` with the phase polynomial
``φ_t(α) = Σ_{s=1+max(β,γ)}^{t} λ^{(s-β-1) e_k - (s-γ-1) e_l + (t-δ-1) e_n}``. Because ``x_1`` and ``λ`` are
independent, every expectation factorises into an ``x_1`` moment and a phase moment::

    L(P, Q) = Σ_j [½ c_jᵀ M c_j - c_jᵀ ℓ_j] + ½ (T-2) E||x_1||²
    M(α, α') = Σ_t (t-1)^{-2} E[x_k x_l x_n x_k' x_l' x_n'] · E[φ_t(α) conj φ_t(α')]
    ℓ_j(α)   = Σ_t (t-1)^{-1} E[x_j x_k x_l x_n] · E[λ̄_j^t φ_t(α)].

* ``x_1`` moments (degree ≤ 6 in each coordinate) come from :func:`mesatheory.routes.cubature.x1_rule`, exact to
  degree 7 per coordinate (Gauss rule from the law's exact moments, or its atoms).
* Phase moments are exact by Parseval on the torus: ``E[λ^e conj(λ^{e'})] = [e = e']`` for integer exponent
  vectors, so ``E[φ_t(α) conj φ_t(α')]`` counts coinciding exponents — the same numbers the roots-of-unity grid
  :func:`mesatheory.routes.cubature.phase_rule` produces (the tests check this), without its ``(3T-2)^d`` points.

Cost: ``M`` has ``(2d)³ × (2d)³`` entries (46 656 at ``d = 3``, 10⁶ at ``d = 5``); building it and integrating the
flow take well under a second at ``d = 3, T = 12`` and 2–4 s at the paper's ``d = 5, T = 100`` (measured). The
claim keeps ``d ≤ 3, T ≤ 12`` by default (:func:`fits`).

Gradients: ``∂L/∂P[j,a] = Σ_{b,c} g_j(a,b,c) Q[b,c]``, ``∂L/∂Q[b,c] = Σ_{j,a} g_j(a,b,c) P[j,a]`` with
``g_j = M c_j - ℓ_j``. Parameters are real: the law is invariant under ``λ → λ̄``, so the flow started from real
parameters stays real. The flow ``dθ/dτ = -∇L`` uses the official normalisation (per matrix entry), the time
convention of :mod:`mesatheory.routes.ode`; on the diagonal it reduces to that module's ``(a, b)`` flow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps
from scipy.integrate import solve_ivp

from .. import paper
from ..errors import Unavailable
from ..laws import Law, get_law
from ..model.parameters import (
    diagonal_blocks,
    diagonal_product,
    mask_offdiagonal,
    offdiagonal,
)
from .cubature import x1_rule

MAX_D = paper.FULL_FLOW_MAX_D
MAX_T = paper.FULL_FLOW_MAX_T


def _phase_coefficients(d: int, T: int, t: int) -> tuple[sps.csr_matrix, np.ndarray]:
    """The phase polynomials ``φ_t(α)`` at one position ``t`` as a sparse matrix.

    Returns:
        ``(C_t, target)``: ``C_t`` with ``φ_t(α) = Σ_e C_t[α, e] λ^e`` (rows ``α``, columns encoded exponents)
        and the column index of ``λ^{t e_j}`` for each ``j`` (an all-zero column when no term has that exponent).
    """
    D2 = 2 * d
    base, off = 4 * T + 1, 2 * T
    rows, keys = [], []
    k, l, n = (g.ravel() for g in np.meshgrid(np.arange(d), np.arange(d), np.arange(d), indexing="ij"))
    for beta in (0, 1):
        for gamma in (0, 1):
            for delta in (0, 1):
                s = np.arange(1 + max(beta, gamma), t + 1)
                if len(s) == 0:
                    continue
                alpha = ((beta * d + k) * D2 + gamma * d + l) * D2 + delta * d + n
                onehot = np.arange(d)[None, None, :]
                e = ((s - beta - 1)[None, :, None] * (k[:, None, None] == onehot)
                     - (s - gamma - 1)[None, :, None] * (l[:, None, None] == onehot)
                     + (t - delta - 1) * (n[:, None, None] == onehot))
                rows.append(np.repeat(alpha, len(s)))
                keys.append(((e + off) * base ** np.arange(d)).sum(axis=2).ravel())
    rows_a, keys_a = np.concatenate(rows), np.concatenate(keys)
    targets = np.array([(off + t) * base**j + sum(off * base**i for i in range(d) if i != j) for j in range(d)])
    uniq, col = np.unique(np.concatenate([keys_a, targets]), return_inverse=True)
    C = sps.csr_matrix((np.ones(len(rows_a)), (rows_a, col[:len(rows_a)])), shape=(D2**3, len(uniq)))
    return C, col[len(rows_a):]


@dataclass(frozen=True)
class PopulationLoss:
    """``L(P, Q)`` and its gradient, exactly, for real parameters (see the module docstring)."""

    d: int
    T: int
    M: np.ndarray
    lin: np.ndarray
    const: float

    @classmethod
    def build(cls, law: Law | str, d: int, T: int) -> PopulationLoss:
        """Build ``M``, ``ℓ`` and the constant from the law's ``x_1`` rule and the exact phase moments.

        Args:
            law: a law or a spec string.
            d: the dimension.
            T: the sequence length.

        Returns:
            The exact population loss of the full model.

        Raises:
            LawError: ``law`` is a spec that names no built-in law, or has a bad parameter.
            Unavailable: the ``x_1`` rule needs a moment that is infinite.
        """
        law = get_law(law)
        points, weights = x1_rule(law, d)
        D2 = 2 * d
        coord = np.arange(D2) % d                   # coordinate k of index a = (β, k)
        X = points                                  # (q, d)
        f3 = X[:, coord][:, :, None, None] * X[:, coord][:, None, :, None] * X[:, coord][:, None, None, :]
        f3 = f3.reshape(len(X), -1)                 # x_k x_l x_n for α = (a, b, c)
        X6 = (f3 * weights[:, None]).T @ f3         # E[x_k x_l x_n x_k' x_l' x_n']
        X4 = np.einsum("q,qj,qa->ja", weights, X, f3)   # E[x_j x_k x_l x_n]
        M = np.zeros((D2**3, D2**3))
        lin = np.zeros((d, D2**3))
        for t in range(2, T):
            C, target = _phase_coefficients(d, T, t)
            M += (C @ C.T).toarray() / (t - 1) ** 2
            lin += np.stack([C[:, target[j]].toarray().ravel() for j in range(d)]) / (t - 1)
        M *= X6
        lin *= X4
        const = 0.5 * (T - 2) * float(weights @ np.sum(X**2, axis=1))
        return cls(d=d, T=T, M=M, lin=lin, const=const)

    def _coefficients(self, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        return (P[:, :, None] * Q.ravel()[None, None, :]).reshape(self.d, -1)

    def loss(self, P: np.ndarray, Q: np.ndarray) -> float:
        """``L(P, Q) = Σ_j [½ c_jᵀ M c_j - c_jᵀ ℓ_j] + const``.

        Args:
            P: the active block of ``W^{PV}`` (real), shape ``(d, 2d)``.
            Q: the active block of ``W^{KQ}`` (real), shape ``(2d, 2d)``.

        Returns:
            The exact population loss.
        """
        c = self._coefficients(P, Q)
        return float(0.5 * np.einsum("ja,ab,jb->", c, self.M, c) - np.sum(c * self.lin) + self.const)

    def grad(self, P: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(∂L/∂P, ∂L/∂Q)`` through ``g_j = M c_j - ℓ_j`` (see the module docstring).

        Args:
            P: the active block of ``W^{PV}`` (real), shape ``(d, 2d)``.
            Q: the active block of ``W^{KQ}`` (real), shape ``(2d, 2d)``.

        Returns:
            The gradients, of the shapes of ``P`` and ``Q``.
        """
        D2 = 2 * self.d
        c = self._coefficients(P, Q)
        g = (c @ self.M - self.lin).reshape(self.d, D2, D2 * D2)
        gP = g @ Q.ravel()
        gQ = np.einsum("jab,ja->b", g, P).reshape(D2, D2)
        return gP, gQ


@dataclass
class FullFlow:
    """A solved full flow: solver times, states ``(P, Q)`` at them, and a summary.

    ``offdiag_max`` is the largest ``|entry|`` outside the diagonal form of Assumption 1 over the stored states.
    """

    tau: np.ndarray
    P: np.ndarray
    Q: np.ndarray
    converged: bool
    message: str
    sol: object

    @property
    def product(self) -> float:
        """``ab`` at the final state (:func:`mesatheory.model.parameters.diagonal_product`)."""
        return diagonal_product(self.P[-1], self.Q[-1])

    @property
    def offdiag_path(self) -> np.ndarray:
        """The largest ``|entry|`` outside the diagonal form at each stored time."""
        return np.array([max(np.abs(a).max(), np.abs(b).max()) for a, b in
                         (offdiagonal(p, q) for p, q in zip(self.P, self.Q))])

    @property
    def offdiag_max(self) -> float:
        """The largest ``|entry|`` outside the diagonal form over the stored states."""
        return float(self.offdiag_path.max())


def fits(d: int, T: int, max_d: int = MAX_D, max_T: int = MAX_T) -> bool:
    """Whether ``1 ≤ d ≤ max_d`` and ``3 ≤ T ≤ max_T``: the sizes at which the exact full flow is offered.

    The defaults (``d ≤ 3``, ``T ≤ 12``) keep ``verify`` fast; the method itself is cheap well beyond them
    (measured on this project's machine: the paper's size ``d = 5, T = 100``, 150 free entries and ``M`` of size
    1000 × 1000, takes 2–4 s per law).

    Args:
        d: the dimension.
        T: the sequence length.
        max_d: the largest dimension offered.
        max_T: the largest sequence length offered.

    Returns:
        Whether the exact full flow is offered at ``(d, T)``.
    """
    return 1 <= d <= max_d and 3 <= T <= max_T


def check_size(d: int, T: int, max_d: int = MAX_D, max_T: int = MAX_T) -> None:
    """Raise :class:`~mesatheory.errors.Unavailable` unless :func:`fits` holds.

    Args:
        d: the dimension.
        T: the sequence length.
        max_d: the largest dimension offered.
        max_T: the largest sequence length offered.

    Raises:
        Unavailable: ``(d, T)`` is outside the offered sizes.
    """
    if not fits(d, T, max_d, max_T):
        raise Unavailable(
            f"the exact full-parameter flow is offered for d ≤ {max_d}, 3 ≤ T ≤ {max_T} (got d={d}, T={T})")


def solve_full_flow(law: Law | str, d: int, T: int, a0: float, b0: float, mask: bool = False,
                    grad_tol: float = 1e-13, max_tau: float | None = None,
                    population: PopulationLoss | None = None, stop_offdiag: float | None = None,
                    max_d: int = MAX_D, max_T: int = MAX_T) -> FullFlow:
    """Integrate ``dθ/dτ = -∇L(θ)`` over all entries from the diagonal start ``(a0, b0)`` (DOP853).

    Stops at a terminal event ``||∇L|| = grad_tol · A`` (``A = ||ℓ||``, the gradient scale), at ``max_tau``
    (default ``10⁴ / A``), or — if ``stop_offdiag`` is given — when an entry outside the diagonal form exceeds it in
    absolute value. With ``mask`` the off-diagonal entries of ``W^{PV}_{12}`` and ``W^{KQ}_{32}`` are held at
    zero (their velocity is masked), the continuous analogue of the official ``--clip``.

    Args:
        law: a law or a spec string.
        d: the dimension.
        T: the sequence length.
        a0: the initial diagonal of ``W^{KQ}_{32}``.
        b0: the initial diagonal of ``W^{PV}_{12}``.
        mask: hold the off-diagonal entries of the two active diagonal blocks at zero.
        grad_tol: the terminal gradient norm, relative to ``||ℓ||``.
        max_tau: the safety stop (default ``10⁴ / ||ℓ||``).
        population: the population loss, if already built for ``(law, d, T)``.
        stop_offdiag: stop when an entry outside the diagonal form exceeds this in absolute value.
        max_d: the largest dimension offered.
        max_T: the largest sequence length offered.

    Returns:
        The solver's times, the states ``(P, Q)`` at them, whether the gradient event was reached, a message,
        and the solver's result.

    Raises:
        Unavailable: ``(d, T)`` is outside the offered sizes, or a needed moment is infinite.
    """
    check_size(d, T, max_d, max_T)
    pop = population or PopulationLoss.build(law, d, T)
    P0, Q0 = diagonal_blocks(d, a0, b0)
    nP = P0.size
    keepP, keepQ = np.ones_like(P0), np.ones_like(Q0)
    if mask:
        mask_offdiagonal(keepP, keepQ)

    def rhs(_tau: float, y: np.ndarray) -> np.ndarray:
        gP, gQ = pop.grad(y[:nP].reshape(P0.shape), y[nP:].reshape(Q0.shape))
        return -np.concatenate([(gP * keepP).ravel(), (gQ * keepQ).ravel()])

    scale = float(np.linalg.norm(pop.lin))
    threshold = grad_tol * scale

    def converged(tau: float, y: np.ndarray) -> float:
        return float(np.linalg.norm(rhs(tau, y))) - threshold
    converged.terminal = True  # type: ignore[attr-defined]
    converged.direction = -1   # type: ignore[attr-defined]

    events: list[Callable[[float, np.ndarray], float]] = [converged]
    if stop_offdiag is not None:
        def left(_tau: float, y: np.ndarray) -> float:
            off = offdiagonal(y[:nP].reshape(P0.shape), y[nP:].reshape(Q0.shape))
            return max(np.abs(off[0]).max(), np.abs(off[1]).max()) - stop_offdiag
        left.terminal = True   # type: ignore[attr-defined]
        left.direction = 1     # type: ignore[attr-defined]
        events.append(left)

    y0 = np.concatenate([P0.ravel(), Q0.ravel()])
    if max_tau is None:
        max_tau = 1e4 / scale
    sol = solve_ivp(rhs, (0.0, max_tau), y0, method="DOP853", rtol=paper.ODE_RTOL, atol=paper.FULL_FLOW_ATOL,
                    events=events, dense_output=True)
    done = sol.status == 1 and len(sol.t_events[0]) > 0
    if done:
        message = "gradient below tolerance"
    elif sol.status == 1:
        message = f"an off-diagonal entry exceeded {stop_offdiag:g}"
    else:
        message = f"not converged by τ = {max_tau:.3g}"
    Ps = sol.y[:nP].T.reshape(-1, *P0.shape)
    Qs = sol.y[nP:].T.reshape(-1, *Q0.shape)
    return FullFlow(tau=sol.t, P=Ps, Q=Qs, converged=done, sol=sol, message=message)
