"""Theorem 1 (paper's Theorem 4.1), checked four independent ways.

``ã b̃ = c* = κ1 / (κ2 + κ3 H_{T-2}/(T-2))``:

1. ``closed_form`` — the exact value is a stationary point of the exact reduced loss, with the sum over
   ``t`` done term by term in rational arithmetic (no harmonic-number identity);
2. ``ode`` — the reduced gradient flow integrated from ``(a_0, b_0)`` to convergence;
3. ``monte_carlo`` — the minimiser of the model's empirical AR loss, sampled two ways (sequences; draws of ``x_1``
   with the phases averaged exactly), each within its own standard error;
4. ``cubature`` — the population minimiser from the exact population tables (a Gauss rule for ``x_1`` from its
   exact moments × exact phase moments), at the paper's size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .. import paper
from .._io import exact_text
from ..errors import Unavailable
from ..routes.montecarlo import phase_averaged_estimate, sequence_check
from ..routes.ode import ReducedFlow, solve_flow
from .assumption2 import SADDLE, finite_moment, sampled_budget, theorem1_precondition
from .base import Claim, Setting, Verdict, declined, within_se
from .tolerance import Tolerance

PAPER = "Theorem 4.1"
STATEMENT = "ã·b̃ = κ1 / (κ2 + κ3·H_{T-2}/(T-2))"
ODE_TOL = paper.FLOW_TOL
SYMBOLIC_SUM_T = 2000     # the largest T whose reduced-loss derivative is summed symbolically (≈ 1 s)
CUBATURE_TOL = paper.EXACT_TOL
ODE_METHOD = "numeric.reduced_ode"


def _relative_error(measured: float, expected: float) -> float:
    return abs(measured - expected) / abs(expected)


@dataclass(frozen=True)
class Route:
    """Who a numerical route reports as: claim id, statement, paper name, and when it applies."""

    id: str
    statement: str = STATEMENT
    paper: str = PAPER
    precondition: Callable[[Setting], str | None] = theorem1_precondition

    def claim(self, method: str, method_id: str) -> Claim:
        """The claim this route reports as, checked by ``method``.

        Args:
            method: how the route checks the claim, in words.
            method_id: the method's stable id.

        Returns:
            The claim with this route's id, statement and paper name.
        """
        return Claim(self.id, self.statement, method, self.paper, method_id)


CLOSED_FORM = Claim("theorem1.closed_form", STATEMENT, "exact: Σ_{t=2}^{T-1} ∂ℓ_t/∂c at c* in rational arithmetic",
                    PAPER, "exact.stationarity")


def _pairwise_sum(terms: list[Fraction]) -> Fraction:
    """``Σ terms`` in exact arithmetic, summed pairwise so the denominators grow evenly (binary splitting):
    ``10⁵`` terms with 40 000-digit denominators take well under a second, against minutes left to right."""
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0] if terms else Fraction(0)


def check_closed_form(s: Setting) -> Verdict:
    """``theorem1.closed_form``: ``c*`` is a stationary point of the exact reduced loss.

    The derivative is summed over ``t`` term by term in exact rational arithmetic (pairwise, no harmonic-number
    identity); the residual must be exactly 0. With irrational κ's the sum is symbolic (SymPy), up to
    ``T = SYMBOLIC_SUM_T``.

    Args:
        s: the setting.

    Returns:
        The verdict, with ``c*`` (exact and LaTeX) and the residual as evidence.
    """
    if why := theorem1_precondition(s):
        return CLOSED_FORM.not_applicable(why)
    k, c = s.kappas, s.product
    values = (c, k.k1, k.k2, k.k3)
    if all(isinstance(v, sp.Rational) for v in values):
        cf, k1, k2, k3 = (Fraction(int(v.p), int(v.q)) for v in values)
        # Σ_t [c (κ2 + κ3/(t-1)) − κ1] = c · Σ_t (κ2 + κ3/(t-1)) − (T-2) κ1, the sum taken term by term
        total = cf * _pairwise_sum([k2 + k3 / (t - 1) for t in range(2, s.T)]) - (s.T - 2) * k1
        residual = sp.Rational(*total.as_integer_ratio())
    elif s.T <= SYMBOLIC_SUM_T:
        residual = sp.simplify(sum(c * (k.k2 + k.k3 / sp.Integer(t - 1)) - k.k1 for t in range(2, s.T)))
    else:
        return CLOSED_FORM.not_applicable(f"declined: the κ's are not rational, and a symbolic sum of {s.T - 2} terms "
                                          f"exceeds the budget (T ≤ {SYMBOLIC_SUM_T})")
    return CLOSED_FORM.verdict(
        float(c), float(c), Tolerance.exact("exact (residual 0)"), residual == 0,
        (f"ã·b̃ = {k.k1}/({k.k2} + {k.k3}·H_{s.T - 2}/{s.T - 2}) = {float(c):.12g}; "
         f"stationarity residual {residual} (exact)"),
        {"exact": exact_text(c), "latex": exact_text(c, latex=True), "residual": str(residual)})


def _reduced_flow(s: Setting) -> tuple[ReducedFlow, str]:
    """The reduced flow's coefficients: from the exact population statistics where the tables fit, else the κ's."""
    try:
        EN, ED = s.population_loss().diagonal_statistics()
        return ReducedFlow.from_statistics(EN, ED, s.d), "coefficients from the exact population statistics"
    except Unavailable:
        return ReducedFlow.from_kappas(s.kappas, s.T), "coefficients from the κ's"


def check_ode(s: Setting, route: Route = Route("theorem1.ode")) -> Verdict:
    """``theorem1.ode`` (or ``route``): the reduced flow integrated from ``(a_0, b_0)`` to convergence reaches ``c*``.

    It must reach ``c*`` within relative :data:`ODE_TOL` and conserve ``a² − b²`` within the same tolerance. From a
    start with ``a_0 + b_0 = 0`` the claim is not applicable, and the evidence shows the flow reaching the saddle.

    Args:
        s: the setting.
        route: whom the verdict reports as, and when the route applies (default: Theorem 1's).

    Returns:
        The verdict, with the final state and the conservation drift as evidence.
    """
    why = route.precondition(s)
    if why is not None and why != SADDLE:
        return route.claim("SciPy solve_ivp (DOP853) on the reduced (a, b) flow", ODE_METHOD).not_applicable(why)
    flow, source = _reduced_flow(s)
    claim = route.claim(f"SciPy solve_ivp (DOP853, rtol {paper.ODE_RTOL:g}) on the reduced (a, b) flow in scale-free "
                        f"units, per-entry time; {source}", ODE_METHOD)
    path = solve_flow(flow, s.a0, s.b0)
    evidence = {"a_final": float(path.a[-1]), "b_final": float(path.b[-1]), "tau_final": float(path.tau[-1]),
                "converged": path.converged, "time_convention": "per matrix entry"}
    if why == SADDLE:
        return claim.not_applicable(f"{why}: {path.message} at τ = {path.tau[-1]:.4g}, ab = {path.product:.3g}",
                                    evidence)
    expected = float(s.product)
    error = _relative_error(path.product, expected)
    drift = path.conservation_drift / (max(s.a0**2, s.b0**2, abs(path.a[-1] * path.b[-1])) or 1.0)
    passed = path.converged and error <= ODE_TOL and drift <= ODE_TOL
    return claim.verdict(
        expected, path.product, Tolerance.relative(ODE_TOL), passed,
        (f"{path.message} at τ = {path.tau[-1]:.4g} (per-entry time); (ã, b̃) = ({path.a[-1]:.6g}, {path.b[-1]:.6g}); "
         f"relative error {error:.1e}; a²−b² drift {drift:.1e} (relative)"),
        {**evidence, "relative_error": error, "conservation_drift": drift})


def check_monte_carlo(s: Setting, route: Route = Route("theorem1.monte_carlo")) -> Verdict:
    """``theorem1.monte_carlo`` (or ``route``): the sampled minimiser of the AR loss agrees with ``c*``.

    Neither branch uses an exact moment of the law or a closed form (:mod:`mesatheory.routes.montecarlo`):

    * **phase-averaged** — draws of ``x_1`` with the phases averaged exactly, ``E[N]/E[D]`` (the law, through its
      sampler, against the theory): at least ``s.samples × PHASE_AVERAGED_DRAWS`` draws, more (up to
      ``PHASE_DRAWS_CAP``) until the relative SE resolves ``SAMPLED_RESOLUTION``;
    * **sequences** — ``s.samples`` sampled sequences through the model's own prediction: their ``N`` and ``D``
      against the exact phase averages at the same ``x_1`` (the model's code against the phase structure), by the
      two scale-free residuals of :func:`~mesatheory.routes.montecarlo.sequence_check`.

    Together: the population minimiser of the model's own AR loss is ``c*``. Each of the three z-scores must lie
    within :data:`mesatheory.paper.Z_BAND`; the measured value is the phase-averaged one. The claim needs
    ``E[x^12] < ∞`` (the phase-averaged estimator's variance).

    Args:
        s: the setting.
        route: whom the verdict reports as, and when the route applies (default: Theorem 1's).

    Returns:
        The verdict, with the estimates, their standard errors and z-scores as evidence.
    """
    least = s.samples * paper.PHASE_AVERAGED_DRAWS
    claim = route.claim(f"{least}+ draws of x_1 with exact phase averages (seed + 3): E[N]/E[D], delta-method SE; "
                        f"{s.samples} sampled sequences (seed {s.seed}) through the model against the exact phase "
                        "averages at the same x_1; no exact moment used", "sampled.minimiser")
    why = (route.precondition(s) or finite_moment(s, 12, "the estimators' variance")
           or sampled_budget(s, s.T * s.d**2 + paper.PHASE_AVERAGED_DRAWS * s.d, "the Monte Carlo"))
    if why:
        return claim.not_applicable(why)
    expected = float(s.product)
    pav = phase_averaged_estimate(s.law, s.d, s.T, least, s.seed + 3, max(least, paper.PHASE_DRAWS_CAP))
    seq = sequence_check(s.law, s.d, s.T, s.samples, s.seed)
    ok_pav, z_pav, tolerance = within_se(pav, expected)
    ok_n, z_n, _ = within_se(seq.residual_N, 0.0)
    ok_d, z_d, _ = within_se(seq.residual_D, 0.0)
    return claim.verdict(
        expected, pav.value, tolerance, ok_pav and ok_n and ok_d,
        f"phase-averaged ({pav.n} draws): SE {pav.se:.2g} ({100 * pav.relative_se:.2f} %), z = {z_pav:+.2f}; "
        f"sequences against exact phase averages: z = {z_n:+.2f} (N), {z_d:+.2f} (D); their N̄/D̄ = "
        f"{seq.ratio.value:.6g} ± {seq.ratio.se:.2g}",
        {"se": pav.se, "relative_se": pav.relative_se, "z": z_pav, "draws": pav.n,
         "residual_z_N": z_n, "residual_se_N": seq.residual_N.se, "residual_z_D": z_d,
         "residual_se_D": seq.residual_D.se, "sequence_estimate": seq.ratio.value, "sequence_se": seq.ratio.se,
         "samples": s.samples})


def check_cubature(s: Setting, route: Route = Route("theorem1.cubature")) -> Verdict:
    """``theorem1.cubature`` (or ``route``): the exact population minimiser ``E[N]/E[D]`` equals ``c*``.

    ``E[N]`` and ``E[D]`` come from the exact population tables (a Gauss rule for ``x_1`` built from its exact
    moments, or its atoms, × exact phase moments by Parseval; :mod:`mesatheory.routes.population`). They must
    agree within relative :data:`CUBATURE_TOL`; the claim is declined, with the estimate and what fits, when the
    tables exceed their budget.

    Args:
        s: the setting.
        route: whom the verdict reports as, and when the route applies (default: Theorem 1's).

    Returns:
        The verdict, with ``E[N]``, ``E[D]`` as evidence.
    """
    claim = route.claim("exact population tables: Gauss rule (or atoms) for x_1 × exact phase moments (Parseval)",
                        "exact.population_tables")
    why = route.precondition(s)
    if why is None:
        try:
            EN, ED = s.population_loss().diagonal_statistics()
        except Unavailable as exc:
            why = declined(s, exc)
    if why:
        return claim.not_applicable(why)
    expected = float(s.product)
    error = _relative_error(EN / ED, expected)
    return claim.verdict(
        expected, EN / ED, Tolerance.relative(CUBATURE_TOL), error <= CUBATURE_TOL,
        f"E[N] = {EN:.10g}, E[D] = {ED:.10g}; relative error {error:.1e}",
        {"relative_error": error, "EN": EN, "ED": ED})
