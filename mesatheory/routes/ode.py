"""The reduced gradient flow on the diagonal, integrated numerically.

On the diagonal (Assumption 1) with ``c = ab`` the population loss is
``L(a, b) = d Σ_{t=2}^{T-1} [½ c² (κ2 + κ3/(t-1)) - c κ1 + ½ m2]``. Time convention used here and in
every plot: **per matrix entry** — each of the ``d`` diagonal entries of the full matrices moves as

    da/dτ = b · g,   db/dτ = a · g,   g = (T-2) κ1 - K a b,   K = (T-2) κ2 + κ3 H_{T-2}.

(Differentiating ``L(a, b)`` as two scalars instead multiplies both right-hand sides by ``d``: the same
orbits and limit, time divided by ``d``.) ``a² - b²`` is conserved, and ``c → c* = (T-2) κ1 / K`` from
every start off the line ``a_0 + b_0 = 0``; from a start on it the flow runs into the saddle at the origin.

The coefficients come either from the exact population statistics of the diagonal model
(:meth:`ReducedFlow.from_statistics`, ``A = E[N]/d``, ``K = E[D]/d``: no closed form used) or from the κ's
(:meth:`ReducedFlow.from_kappas`).
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
    def from_statistics(cls, EN: float, ED: float, d: int) -> ReducedFlow:
        """The flow of the diagonal model whose exact population loss is ``½ c² E[D] − c E[N] + const``.

        Args:
            EN: ``E[N]`` (:meth:`mesatheory.model.quartic.QuarticLoss.diagonal_statistics`).
            ED: ``E[D]``.
            d: the dimension (the loss sums ``d`` identical diagonal entries).

        Returns:
            The reduced flow with ``A = E[N]/d`` and ``K = E[D]/d``.
        """
        return cls(A=EN / d, K=ED / d)

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
               max_sigma: float = 1e4) -> Trajectory:
    """Integrate from ``(a0, b0)`` with DOP853 until the flow has converged, in scale-free units.

    With ``r = √(K/A)``, ``u = r a``, ``v = r b`` and ``σ = A τ`` the flow becomes the same ODE for every law,
    size and scale::

        du/dσ = v (1 − uv),   dv/dσ = u (1 − uv),   uv = c / c*,

    so tolerances are relative by construction (a law scaled by ``s`` only moves the start: ``c*`` scales as
    ``1/s²``). Convergence is a terminal event, not a fixed horizon: ``|1 − uv| ≤ tol`` (``|c − c*| ≤ tol·c*``);
    from a start on the invariant line ``a_0 + b_0 = 0`` the flow runs into the saddle at the origin instead,
    and the event is ``|u| + |v| ≤ tol``. ``max_sigma`` is a safety stop: from a small start ``uv`` grows like
    ``e^{2σ}`` and near the limit it converges at rate ``≥ 2``, so ``10⁴`` allows thousands of e-foldings
    (a start ``10⁻³⁰⁰`` away from the origin needs ``σ ≈ 690``).

    Args:
        flow: the reduced flow.
        a0: the initial ``a``.
        b0: the initial ``b``.
        tol: the relative tolerance of the terminal events.
        max_sigma: the safety stop in units of ``1/A``.

    Returns:
        The solver's times (per-entry ``τ``) and states ``(a, b)``, whether a terminal event was reached, and a
        message that says which.
    """
    r = float(np.sqrt(flow.K / flow.A))
    y0 = np.array([a0 * r, b0 * r], dtype=np.float64)
    saddle = a0 + b0 == 0

    def rhs(_sigma: float, y: np.ndarray) -> np.ndarray:
        g = 1.0 - y[0] * y[1]
        return np.array([y[1] * g, y[0] * g])

    def reached(_sigma: float, y: np.ndarray) -> float:
        return (abs(y[0]) + abs(y[1]) if saddle else abs(1.0 - y[0] * y[1])) - tol

    reached.terminal = True  # type: ignore[attr-defined]
    reached.direction = -1   # type: ignore[attr-defined]
    where = "the saddle at the origin" if saddle else "c*"
    if reached(0.0, y0) <= 0:
        return Trajectory(np.array([0.0]), y0[:1] / r, y0[1:] / r, True, f"started at {where}")
    sigma0, start = escape(y0) if not saddle else (0.0, y0)
    sol = solve_ivp(rhs, (sigma0, sigma0 + max_sigma), start, method="DOP853", rtol=paper.ODE_RTOL,
                    atol=paper.REDUCED_ATOL, events=[reached])
    done = sol.status == 1
    times, states = np.concatenate([[0.0], sol.t]), np.concatenate([y0[:, None], sol.y], axis=1)
    return Trajectory(times / flow.A, states[0] / r, states[1] / r, done,
                      f"converged to {where}" if done else f"not converged by τ = {max_sigma / flow.A:.3g}")


ESCAPE = 1e-8   # below this |u| + |v| the flow is linear to rounding: jump ahead in closed form


def escape(y0: np.ndarray) -> tuple[float, np.ndarray]:
    """Where a tiny start leaves the neighbourhood of the origin, in closed form: ``(σ, (u, v))``.

    While ``|uv| ≪ 1`` the flow is ``u' = v``, ``v' = u`` (to relative order ``uv``): ``u + v`` grows as ``e^σ`` and
    ``u − v`` decays as ``e^{−σ}``. A start below :data:`ESCAPE` (``a_0 = b_0 = 10⁻³⁰⁰``, say) is advanced to
    ``|u + v| = ESCAPE`` exactly, where an absolute tolerance can resolve it; larger starts are returned as they are.
    """
    s, delta = y0[0] + y0[1], y0[0] - y0[1]
    if abs(y0[0]) + abs(y0[1]) >= ESCAPE or s == 0:
        return 0.0, y0
    sigma = float(np.log(ESCAPE / abs(s)))
    s, delta = np.copysign(ESCAPE, s), delta * np.exp(-sigma)
    return sigma, np.array([(s + delta) / 2, (s - delta) / 2])
