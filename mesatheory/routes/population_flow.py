"""The exact population gradient flow of the full model over every entry of ``W^{KQ}``, ``W^{PV}``, no sampling.

``dθ/dτ = -∇L(θ)`` on the exact population loss of :mod:`mesatheory.routes.population`, integrated with SciPy's
LSODA (it switches to a stiff method as the flow
needs) from the diagonal start of Assumption 1 (the paper's Assumption 3.1) to a terminal event. The flow uses the
official normalisation (per matrix entry), the time convention of :mod:`mesatheory.routes.ode`; on the diagonal it
reduces to that module's ``(a, b)`` flow. With ``mask`` the off-diagonal entries of ``W^{PV}_{12}`` and
``W^{KQ}_{32}`` are held at zero (the continuous analogue of the official code's ``--clip``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from .. import paper
from ..model.parameters import diagonal_blocks, diagonal_product, mask_offdiagonal, offdiagonal
from ..model.quartic import QuarticLoss
from .ode import escape


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


def solve_full_flow(pop: QuarticLoss, a0: float, b0: float, mask: bool = False, grad_tol: float = 1e-11,
                    max_tau: float | None = None, stop_offdiag: float | None = None,
                    start: tuple[np.ndarray, np.ndarray] | None = None) -> FullFlow:
    """Integrate ``dθ/dτ = -∇L(θ)`` over all entries from the diagonal start ``(a0, b0)`` (LSODA).

    Stops at a terminal event ``||∇L|| = grad_tol · A`` (``A = ||ℓ||``, the gradient scale), at ``max_tau``
    (default ``10⁴ / A``), or — if ``stop_offdiag`` is given — when an entry outside the diagonal form exceeds it in
    absolute value. With ``mask`` the off-diagonal entries of ``W^{PV}_{12}`` and ``W^{KQ}_{32}`` are held at
    zero (their velocity is masked), the continuous analogue of the official ``--clip``.

    Args:
        pop: the exact population loss (:meth:`mesatheory.model.quartic.QuarticLoss.from_law`).
        a0: the initial diagonal of ``W^{KQ}_{32}``.
        b0: the initial diagonal of ``W^{PV}_{12}``.
        mask: hold the off-diagonal entries of the two active diagonal blocks at zero.
        grad_tol: the terminal gradient norm, relative to ``||ℓ||``.
        max_tau: the safety stop (default ``10⁴ / ||ℓ||``).
        stop_offdiag: stop when an entry outside the diagonal form exceeds this in absolute value.
        start: an arbitrary start ``(P, Q)`` instead of the diagonal one (``a0, b0`` are then unused), e.g. the
            random initialisation of :func:`mesatheory.model.parameters.random_blocks`.

    Returns:
        The solver's times, the states ``(P, Q)`` at them, whether the gradient event was reached, a message,
        and the solver's result.
    """
    d = pop.d
    EN, ED = pop.diagonal_statistics()
    unit = float(np.sqrt(abs(EN / ED)))          # the size of the entries at the diagonal limit
    # a start far below that size grows linearly at first (a' = A b, b' = A a, A = E[N]/d): jump ahead
    if start is None:
        sigma0, (u, v) = escape(np.array([a0, b0]) / unit)
        tau0 = sigma0 / (EN / d)
        P0, Q0 = diagonal_blocks(d, u * unit, v * unit)
    else:
        tau0 = 0.0
        P0, Q0 = (np.array(x, dtype=np.float64) for x in start)
    nP = P0.size
    keepP, keepQ = np.ones_like(P0), np.ones_like(Q0)
    if mask:
        mask_offdiagonal(keepP, keepQ)

    def rhs(_tau: float, y: np.ndarray) -> np.ndarray:
        gP, gQ = pop.grad(y[:nP].reshape(P0.shape), y[nP:].reshape(Q0.shape))
        return -np.concatenate([(gP * keepP).ravel(), (gQ * keepQ).ravel()])

    scale = float(np.linalg.norm(pop.lin))
    threshold = grad_tol * scale * unit          # ||∇L|| ≈ ||ℓ||·|c − c*|/c*·unit near the limit: scale-free

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
    def jacobian(tau: float, y: np.ndarray) -> np.ndarray:
        """``-∇²L`` by central differences of the exact gradient (a cubic: the error is O(h²), for steps only)."""
        h = 1e-4 * max(unit, float(np.max(np.abs(y))))
        columns = [(rhs(tau, y + h * e) - rhs(tau, y - h * e)) / (2 * h) for e in np.eye(len(y))]
        return np.stack(columns, axis=1)

    # LSODA: the full flow is stiff (the Hessian's eigenvalues spread over orders of magnitude); an explicit
    # method needs ~10⁴ steps at d = 5, T = 100 where LSODA needs a few hundred
    sol = solve_ivp(rhs, (tau0, tau0 + max_tau), y0, method="LSODA", rtol=paper.FULL_FLOW_RTOL,
                    atol=paper.FULL_FLOW_ATOL * unit, events=events, dense_output=True, jac=jacobian)
    done = sol.status == 1 and len(sol.t_events[0]) > 0
    if done:
        message = "gradient below tolerance"
    elif sol.status == 1:
        message = f"an off-diagonal entry exceeded {stop_offdiag:g}"
    else:
        message = f"not converged by τ = {max_tau:.3g}"
    Ps = sol.y[:nP].T.reshape(-1, *P0.shape)
    Qs = sol.y[nP:].T.reshape(-1, *Q0.shape)
    if tau0 > 0:                                 # keep the true start as the first state
        start_P, start_Q = diagonal_blocks(d, a0, b0)
        Ps, Qs = np.concatenate([start_P[None], Ps]), np.concatenate([start_Q[None], Qs])
        return FullFlow(tau=np.concatenate([[0.0], sol.t]), P=Ps, Q=Qs, converged=done, sol=sol, message=message)
    return FullFlow(tau=sol.t, P=Ps, Q=Qs, converged=done, sol=sol, message=message)
