"""Theorem 1 (paper's Theorem 4.1), checked four independent ways.

``ã b̃ = c* = κ1 / (κ2 + κ3 H_{T-2}/(T-2))``:

1. ``closed_form`` — the exact value is a stationary point of the exact reduced loss, with the sum over
   ``t`` done term by term in rational arithmetic (no harmonic-number identity);
2. ``ode`` — the reduced gradient flow integrated from ``(a_0, b_0)`` to convergence;
3. ``monte_carlo`` — the minimiser of the model's empirical AR loss on sampled sequences;
4. ``cubature`` — the population minimiser by an exact cubature rule (small ``d``, ``T``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from .. import paper
from ..errors import Unavailable
from ..routes.cubature import population_statistics
from ..routes.montecarlo import estimate_product
from ..routes.ode import ReducedFlow, solve_flow
from .assumption2 import theorem1_precondition
from .base import Claim, Setting, Verdict, within_se

PAPER = "Theorem 4.1"
STATEMENT = "ã·b̃ = κ1 / (κ2 + κ3·H_{T-2}/(T-2))"
ODE_TOL = paper.FLOW_TOL
CUBATURE_TOL = paper.EXACT_TOL


def _relative_error(measured: float, expected: float) -> float:
    return abs(measured - expected) / abs(expected)


@dataclass(frozen=True)
class Route:
    """Who a numerical route reports as: claim id, statement, paper name, and when it applies."""

    id: str
    statement: str = STATEMENT
    paper: str = PAPER
    precondition: Callable[[Setting], str | None] = theorem1_precondition

    def claim(self, method: str) -> Claim:
        """The claim this route reports as, checked by ``method``.

        Args:
            method: how the route checks the claim, in words.

        Returns:
            The claim with this route's id, statement and paper name.
        """
        return Claim(self.id, self.statement, method, self.paper)


CLOSED_FORM = Claim("theorem1.closed_form", STATEMENT, "exact: Σ_{t=2}^{T-1} ∂ℓ_t/∂c at c* in rational arithmetic",
                    PAPER)


def check_closed_form(s: Setting) -> Verdict:
    """``theorem1.closed_form``: ``c*`` is a stationary point of the exact reduced loss.

    The derivative is summed over ``t`` term by term in rational arithmetic; the residual must be exactly 0.

    Args:
        s: the setting.

    Returns:
        The verdict, with ``c*`` (exact and LaTeX) and the residual as evidence.
    """
    if why := theorem1_precondition(s):
        return CLOSED_FORM.not_applicable(why)
    k, c = s.kappas, s.product
    residual = sp.simplify(sum(c * (k.k2 + k.k3 / sp.Integer(t - 1)) - k.k1 for t in range(2, s.T)))
    return CLOSED_FORM.verdict(
        float(c), float(c), "exact (residual 0)", residual == 0,
        (f"ã·b̃ = {k.k1}/({k.k2} + {k.k3}·H_{s.T - 2}/{s.T - 2}) = {float(c):.12g}; "
         f"stationarity residual {residual} (exact)"),
        {"exact": str(c), "latex": sp.latex(c), "residual": str(residual)})


def check_ode(s: Setting, route: Route = Route("theorem1.ode")) -> Verdict:
    """``theorem1.ode`` (or ``route``): the reduced flow integrated from ``(a_0, b_0)`` to convergence reaches ``c*``.

    It must reach ``c*`` within relative :data:`ODE_TOL` and conserve ``a² − b²`` within the same tolerance.

    Args:
        s: the setting.
        route: whom the verdict reports as, and when the route applies (default: Theorem 1's).

    Returns:
        The verdict, with the final state and the conservation drift as evidence.
    """
    claim = route.claim(f"SciPy solve_ivp (DOP853, rtol {paper.ODE_RTOL:g}) on the reduced (a, b) flow, per-entry time")
    why = route.precondition(s)
    if why is None and s.a0 + s.b0 == 0:
        why = ("a0 + b0 = 0: the flow stays on the invariant line a = -b and runs into the saddle at the "
               "origin (the one start Theorem 1 excludes)")
    if why:
        return claim.not_applicable(why)
    flow = ReducedFlow.from_kappas(s.kappas, s.T)
    path = solve_flow(flow, s.a0, s.b0)
    expected = float(s.product)
    error = _relative_error(path.product, expected)
    drift = path.conservation_drift / max(1.0, abs(s.a0**2 - s.b0**2))
    passed = path.converged and error <= ODE_TOL and drift <= ODE_TOL
    return claim.verdict(
        expected, path.product, f"relative {ODE_TOL:g}", passed,
        (f"{path.message} at τ = {path.tau[-1]:.4g} (per-entry time); (ã, b̃) = ({path.a[-1]:.6g}, {path.b[-1]:.6g}); "
         f"relative error {error:.1e}; a²−b² drift {drift:.1e}"),
        {"a_final": float(path.a[-1]), "b_final": float(path.b[-1]), "tau_final": float(path.tau[-1]),
         "relative_error": error, "conservation_drift": drift, "converged": path.converged,
         "time_convention": "per matrix entry"})


def check_monte_carlo(s: Setting, route: Route = Route("theorem1.monte_carlo")) -> Verdict:
    """``theorem1.monte_carlo`` (or ``route``): the empirical minimiser on sampled sequences agrees with ``c*``.

    The minimiser of the model's empirical AR loss must lie within :data:`mesatheory.paper.Z_BAND` of its own
    standard errors of ``c*``; the claim needs ``E[x^12] < ∞``.

    Args:
        s: the setting.
        route: whom the verdict reports as, and when the route applies (default: Theorem 1's).

    Returns:
        The verdict, with the standard error, the z-score and the plain ratio estimate as evidence.
    """
    claim = route.claim(f"{s.samples} sampled sequences, seed {s.seed}: minimiser of the model's empirical AR "
                        "loss; control variates, batch-means SE")
    why = route.precondition(s)
    if why is None:
        twelfth = s.law.marginal_moment(12, s.d)
        if not twelfth.is_finite:
            why = f"E[x^12] = {twelfth}: the estimator's variance is infinite, so no standard error exists"
    if why:
        return claim.not_applicable(why)
    est = estimate_product(s.law, s.d, s.T, s.samples, s.seed)
    expected = float(s.product)
    ok, z, tolerance = within_se(est.cv.value, est.cv.se, expected)
    return claim.verdict(
        expected, est.cv.value, tolerance, ok,
        f"SE {est.cv.se:.2g} ({100 * est.cv.relative_se:.2f} %), z = {z:+.2f}; "
        f"plain ratio {est.plain.value:.6g} ± {est.plain.se:.2g}",
        {"se": est.cv.se, "relative_se": est.cv.relative_se, "z": z, "samples": est.cv.n,
         "plain_estimate": est.plain.value, "plain_se": est.plain.se})


def check_cubature(s: Setting, route: Route = Route("theorem1.cubature")) -> Verdict:
    """``theorem1.cubature`` (or ``route``): the population minimiser by an exact cubature rule equals ``c*``.

    It must agree within relative :data:`CUBATURE_TOL`; the claim is declined when the rule would be too large.

    Args:
        s: the setting.
        route: whom the verdict reports as, and when the route applies (default: Theorem 1's).

    Returns:
        The verdict, with the number of points and ``E[N]``, ``E[D]`` as evidence.
    """
    claim = route.claim("exact cubature: Gauss rule (or atoms) for x_1 × roots-of-unity grid for the phases")
    why = route.precondition(s)
    stats = None
    if why is None:
        try:
            stats = population_statistics(s.law, s.d, s.T)
        except Unavailable as exc:
            why = f"skipped: {exc}"
    if why or stats is None:
        return claim.not_applicable(why or "")
    expected = float(s.product)
    error = _relative_error(stats.product, expected)
    return claim.verdict(
        expected, stats.product, f"relative {CUBATURE_TOL:g}", error <= CUBATURE_TOL,
        f"{stats.points} points; relative error {error:.1e}",
        {"points": stats.points, "relative_error": error, "EN": stats.EN, "ED": stats.ED})
