"""The reduced gradient flow on the diagonal, integrated numerically.

On the diagonal (Assumption 1) with ``c = ab`` the population loss is
``L(a, b) = d Σ_{t=2}^{T-1} [½ c² (κ2 + κ3/(t-1)) - c κ1 + ½ m2]``. Time convention used here and in
every plot: **per matrix entry** — each of the ``d`` diagonal entries of the full matrices moves as

    da/dτ = b · g,   db/dτ = a · g,   g = (T-2) κ1 - K a b,   K = (T-2) κ2 + κ3 H_{T-2}.

(Differentiating ``L(a, b)`` as two scalars instead multiplies both right-hand sides by ``d``: the same
orbits and limit, time divided by ``d``.) ``a² - b²`` is conserved, and ``c → c* = (T-2) κ1 / K`` from
every start off the line ``a_0 + b_0 = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from .. import paper
from ..laws import Kappas
from ..theory import stiffness


@dataclass(frozen=True)
class ReducedFlow:
    """Coefficients of the reduced ODE (floats): ``g = A - K a b`` with ``A = (T-2) κ1``."""

    A: float
    K: float

    @classmethod
    def from_kappas(cls, k: Kappas, T: int) -> ReducedFlow:
        """The flow of a law with moments ``k`` at sequence length ``T``.

        Args:
            k: the law's moments.
            T: the sequence length.

        Returns:
            The flow with ``A = (T-2) κ1`` and ``K = (T-2) κ2 + κ3 H_{T-2}``.
        """
        return cls(A=float((T - 2) * k.k1), K=float(stiffness(k, T)))

    def rhs(self, _tau: float, y: np.ndarray) -> np.ndarray:
        """The right-hand side ``(da/dτ, db/dτ) = (b g, a g)`` (the signature ``solve_ivp`` expects).

        Args:
            _tau: the time (unused: the flow is autonomous).
            y: the state ``(a, b)``.

        Returns:
            ``(b g, a g)`` with ``g = A - K a b``.
        """
        a, b = y
        g = self.A - self.K * a * b
        return np.array([b * g, a * g])

    def gradient_norm(self, y: np.ndarray) -> float:
        """The Euclidean norm of :meth:`rhs` at ``y``.

        Args:
            y: the state ``(a, b)``.

        Returns:
            ``|g| √(a² + b²)``.
        """
        return float(np.hypot(*self.rhs(0.0, y)))


@dataclass(frozen=True)
class Trajectory:
    """A solved trajectory: dense times, states ``(a, b)``, whether it converged, and the final state."""

    tau: np.ndarray
    a: np.ndarray
    b: np.ndarray
    converged: bool
    message: str

    @property
    def product(self) -> float:
        """``ab`` at the final state."""
        return float(self.a[-1] * self.b[-1])

    @property
    def conservation_drift(self) -> float:
        """``max_τ |(a² - b²)(τ) - (a₀² - b₀²)|`` over the stored points."""
        q = self.a**2 - self.b**2
        return float(np.max(np.abs(q - q[0])))


def solve_flow(flow: ReducedFlow, a0: float, b0: float, tol: float = 1e-11,
               max_tau: float | None = None) -> Trajectory:
    """Integrate from ``(a0, b0)`` with DOP853 until the flow has converged.

    Convergence is a terminal event, not a fixed horizon: the loss is stationary in ``c = ab``
    (``|g| = |A - K ab| ≤ tol·A``, i.e. ``|c - c*| ≤ tol·c*``), or the state is stationary elsewhere
    (gradient norm ``≤ tol·A``, e.g. the saddle at the origin). ``max_tau`` is only a safety stop (default
    ``10⁴/A``: near ``c*`` the local rate is at least ``2A``, and from a small start ``c`` grows like
    ``e^{2Aτ}``, so this allows some ``2·10⁴`` e-foldings).

    Args:
        flow: the reduced flow.
        a0: the initial ``a``.
        b0: the initial ``b``.
        tol: the relative stationarity tolerance of the terminal events.
        max_tau: the safety stop (default ``10⁴/A``).

    Returns:
        The solver's times and states, whether a terminal event was reached, and a message.
    """
    y0 = np.array([a0, b0], dtype=np.float64)
    threshold = tol * flow.A

    def stationary_in_c(tau: float, y: np.ndarray) -> float:
        return abs(flow.A - flow.K * y[0] * y[1]) - threshold

    def stationary(tau: float, y: np.ndarray) -> float:
        return flow.gradient_norm(y) - threshold

    for event in (stationary_in_c, stationary):
        event.terminal = True  # type: ignore[attr-defined]
        event.direction = -1   # type: ignore[attr-defined]

    if max_tau is None:
        max_tau = 1e4 / flow.A
    if stationary_in_c(0.0, y0) <= 0 or stationary(0.0, y0) <= 0:
        return Trajectory(np.array([0.0]), y0[:1], y0[1:], True, "started at a stationary point")
    sol = solve_ivp(flow.rhs, (0.0, max_tau), y0, method="DOP853", rtol=paper.ODE_RTOL, atol=paper.REDUCED_ATOL,
                    events=[stationary_in_c, stationary], dense_output=True)
    done = sol.status == 1
    return Trajectory(sol.t, sol.y[0], sol.y[1], done,
                      "converged (stationary)" if done else f"not converged by τ = {max_tau:.3g}")
