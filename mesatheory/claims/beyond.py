"""Beyond Assumption 2 (the paper's §5): laws whose flow leaves the diagonal, such as ``full_one``.

The claims apply when Assumption 2 is violated, or when it holds but the exact off-diagonal gradient at the
diagonal start is not zero (the finding of docs/findings.md §1: ``exponential_centered``). All three run at the
paper's size on the exact population loss (:mod:`mesatheory.routes.population`).

``beyond.masked_limit``: with the off-diagonal entries of the active blocks masked, the parameters stay
diagonal and the product follows the reduced flow, whose loss on the diagonal holds for *any* law with
finite moments — so ``ab → κ1 / (κ2 + κ3·H_{T-2}/(T-2))`` with the law's own moments
(``1 / (1 + (d-1)·H_{T-2}/(T-2))`` for ``full_one``). Checked by the numerical routes of Theorem 1 and the
masked exact full flow.

``beyond.leaves_diagonal``: at the diagonal start the exact population gradient has non-zero off-diagonal
entries, and the exact full flow does leave the diagonal.

``beyond.not_one_step_gd``: the trained full model (the exact full flow, unmasked) is not the best
one-step-GD predictor ``ŷ_t = c* g_t`` (``c*`` the best ``ab`` for the law): its exact population loss is
lower, and on sampled sequences its predictions at the last position differ by a margin
``E[½||ŷ^full_t − ŷ^GD_t||²]`` that is more than ``Z_BAND`` standard errors from 0.
"""

from __future__ import annotations

import numpy as np

from .. import paper
from ..errors import Unavailable
from ..model.full import LastPosition
from ..model.parameters import diagonal_blocks
from ..routes.montecarlo import mean_estimate, sample_sequence_statistic
from ..routes.population_flow import solve_full_flow
from .assumption2 import SADDLE, finite_moment, sampled_budget
from .base import Claim, Setting, Verdict, declined
from .full_flow import OFFDIAG_TOL, offdiagonal_gradient, unit, unmasked_flow
from .per_coordinate import per_coordinate_applies
from .theorem1 import Route, check_cubature, check_monte_carlo, check_ode
from .tolerance import Tolerance

PAPER = "§5"
STATEMENT = "masked flow: ab → κ1/(κ2 + κ3·H_{T-2}/(T-2)) with the law's own moments"
MASKED_LIMIT = Claim("beyond.masked_limit", STATEMENT,
                     "reduced ODE, Monte Carlo and exact cubature on the diagonal, with the law's own κ's; the "
                     "masked exact full flow", PAPER, "composite.masked_routes")
MASKED_FULL_FLOW = Claim("masked_full_flow", STATEMENT,
                         "exact full-parameter flow, off-diagonal entries of W^PV_12 and W^KQ_32 masked", PAPER,
                         "numeric.masked_full_flow")
LEAVES_DIAGONAL = Claim(
    "beyond.leaves_diagonal",
    "without masking the flow leaves the diagonal: the off-diagonal gradient at diagonal points ≠ 0",
    "exact population gradient at the diagonal start; exact full-parameter flow over every entry", PAPER,
    "exact.offdiagonal_gradient")


def beyond_precondition(s: Setting) -> str | None:
    """Why the beyond-Assumption-2 claims do not apply, or ``None`` when they do.

    They apply when Assumption 2 is violated, or when it holds yet the exact off-diagonal gradient at the
    diagonal start is not zero (relative :data:`mesatheory.paper.EXACT_TOL`).

    Args:
        s: the setting.

    Returns:
        The reason in words (the flow stays diagonal, a κ is infinite, the start is on the saddle's line, or the
        exact tables are over budget), or ``None``.
    """
    if not s.kappas.finite:
        return "a κ is not finite"
    if s.a0 + s.b0 == 0:
        return SADDLE
    try:
        leaves = offdiagonal_gradient(s) > OFFDIAG_TOL
    except Unavailable as exc:
        return declined(s, exc)
    if not leaves and per_coordinate_applies(s):
        return ("the coordinates are not exchangeable and the flow keeps the diagonal form: the §5 claims compare "
                "with one product c*, this law has one per coordinate (see theorem1.per_coordinate)")
    if s.assumption2.holds and not leaves:
        return ("Assumption 2 holds and the exact off-diagonal gradient at the start is 0: the flow is diagonal "
                "without masking (see theorem1.*)")
    return None


def check_masked_limit(s: Setting) -> Verdict:
    """``beyond.masked_limit``: the masked flow reaches the formula with the law's own moments.

    With the off-diagonal entries masked, the reduced ODE, Monte Carlo, cubature and the masked exact full flow
    must each reach ``κ1 / (κ2 + κ3·H_{T-2}/(T-2))`` within its own tolerance.

    Args:
        s: the setting.

    Returns:
        The verdict; each route's verdict is in the evidence.
    """
    if why := beyond_precondition(s):
        return MASKED_LIMIT.not_applicable(why)
    route = Route(MASKED_LIMIT.id, STATEMENT, PAPER, beyond_precondition)
    parts = {"ode": check_ode(s, route), "monte_carlo": check_monte_carlo(s, route),
             "cubature": check_cubature(s, route), "masked_full_flow": _masked_full_flow(s)}
    ran = {name: v for name, v in parts.items() if v.passed is not None}
    passed = bool(ran) and all(v.passed for v in ran.values())
    reason = "; ".join(f"{name}: {'PASS' if v.passed else 'FAIL' if v.passed is False else 'n/a'} "
                       f"({v.reason})" for name, v in parts.items())
    return MASKED_LIMIT.verdict(float(s.product), parts["ode"].measured, _as_each_route(parts["ode"]), passed, reason,
                                {name: v.to_dict() for name, v in parts.items()})


def _as_each_route(ode: Verdict) -> Tolerance | None:
    """The band of the masked limit's measured value (the ODE route's), in the table's words "as each route"."""
    return None if ode.tolerance is None else ode.tolerance.labelled("as each route")


def _masked_full_flow(s: Setting) -> Verdict:
    """The exact full-parameter flow with the active blocks' off-diagonal velocity masked.

    Every other entry must stay exactly where it started (relative :data:`mesatheory.paper.EXACT_TOL`) and ``ab``
    must reach the formula (relative :data:`mesatheory.paper.FLOW_TOL`).
    """
    flow = solve_full_flow(s.population_loss(), s.a0, s.b0, mask=True)
    P0, Q0 = diagonal_blocks(s.d, s.a0, s.b0)
    moved = float(max(np.abs(flow.P[-1][P0 == 0]).max(), np.abs(flow.Q[-1][Q0 == 0]).max())) / unit(s)
    error = abs(flow.product - float(s.product)) / float(s.product)
    passed = flow.converged and moved <= paper.EXACT_TOL and error <= paper.FLOW_TOL
    return MASKED_FULL_FLOW.verdict(float(s.product), flow.product,
                                    Tolerance.relative(paper.FLOW_TOL, f"off-diagonal ≤ {_exponent(paper.EXACT_TOL)}, "
                                                       f"relative {_exponent(paper.FLOW_TOL)}"), passed,
                                    f"{flow.message}; entries off the diagonal {moved:.1e} (relative); relative "
                                    f"error {error:.1e}")


def _exponent(x: float) -> str:
    """A power of ten as ``1e-8`` (not Python's ``1e-08``)."""
    return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e+")


def check_leaves_diagonal(s: Setting) -> Verdict:
    """``beyond.leaves_diagonal``: without masking, the flow leaves the diagonal.

    The exact off-diagonal gradient at the diagonal start must be non-zero (relative
    :data:`mesatheory.paper.EXACT_TOL`) and the exact full flow must leave the diagonal.

    Args:
        s: the setting.

    Returns:
        The verdict, with the relative off-diagonal gradient and the flow's largest off-diagonal entry.
    """
    if why := beyond_precondition(s):
        return LEAVES_DIAGONAL.not_applicable(why)
    g_off = offdiagonal_gradient(s)
    flow = unmasked_flow(s)
    off = flow.offdiag_max / unit(s)
    passed = g_off > OFFDIAG_TOL and off > OFFDIAG_TOL
    return LEAVES_DIAGONAL.verdict(
        "≠ 0", g_off, Tolerance.relative(OFFDIAG_TOL, f"> {_exponent(OFFDIAG_TOL)} (relative)", "above"), passed,
        (f"off-diagonal gradient at the start {g_off:.3g} (relative to the largest entry); the exact full flow "
         f"({flow.message} at τ = {flow.tau[-1]:.4g}) {'leaves' if off > OFFDIAG_TOL else 'stays on'} the diagonal: "
         f"max |off-diagonal entry| {off:.3g} (relative), ab = {flow.product:.6g}"),
        {"offdiag_gradient": g_off, "offdiag_max": off, "ab": flow.product, "converged": flow.converged})


def check_not_one_step_gd(s: Setting) -> Verdict:
    """``beyond.not_one_step_gd``: the trained full model is not the best one-step-GD predictor.

    It must beat that predictor in exact population loss, and differ from it on samples by a margin above
    :data:`mesatheory.paper.Z_BAND` standard errors (the margin's variance needs ``E[x^12] < ∞``).

    Args:
        s: the setting.

    Returns:
        The verdict, with the margin, its SE and both population losses as evidence.
    """
    claim = Claim("beyond.not_one_step_gd", "the trained full model is not the best one-step-GD predictor (c* g_t)",
                  f"exact full flow (unmasked); exact population losses; {s.samples} sampled sequences at t = T−1 "
                  "(seed + 2)", PAPER, "sampled.gd_margin")
    if why := (beyond_precondition(s) or finite_moment(s, 12, "the margin's variance")
               or sampled_budget(s, 4 * s.T * s.d**2, "the sampled margin")):
        return claim.not_applicable(why)
    population = s.population_loss()
    flow = unmasked_flow(s)
    P, Q = flow.P[-1], flow.Q[-1]
    root = float(np.sqrt(float(s.product)))
    Pg, Qg = diagonal_blocks(s.d, root, root)
    loss_full, loss_gd = population.loss(P, Q), population.loss(Pg, Qg)

    def gap(_x1: np.ndarray, X: np.ndarray) -> np.ndarray:
        last = LastPosition.from_sequences(X)
        return 0.5 * np.sum(np.abs(last.predict(P, Q) - last.predict(Pg, Qg)) ** 2, axis=1)

    est = mean_estimate(sample_sequence_statistic(s.law, s.d, s.T, s.samples, s.seed + 2, gap))
    passed = est.value - paper.Z_BAND * est.se > 0 and loss_full < loss_gd
    return claim.verdict(
        "> 0", est.value, Tolerance("z", paper.Z_BAND, f"margin > {paper.Z_BAND:g}·SE = {paper.Z_BAND * est.se:.2g}",
                                    se=est.se, z=est.value / est.se if est.se > 0 else None, accept="above"), passed,
        (f"margin E[½||ŷ_full − ŷ_GD||²] at t = T−1: {est.value:.4g} ± {est.se:.2g}; exact population loss "
         f"{loss_full:.6g} (full, {flow.message} at τ = {flow.tau[-1]:.4g}, per-entry time) < {loss_gd:.6g} "
         f"(best one-step GD, ab = {float(s.product):.6g}); max |off-diagonal| {flow.offdiag_max / unit(s):.3g} "
         "(relative)"),
        {"margin": est.value, "margin_se": est.se, "loss_full": loss_full, "loss_gd": loss_gd,
         "ab_full": flow.product, "offdiag_max": flow.offdiag_max / unit(s), "converged": flow.converged})
