"""Theorem 1 (paper's Theorem 4.1) in the full parameter space, by the exact population gradient flow.

The flow runs over every entry of ``W^{KQ}`` and ``W^{PV}`` (no sampling), from the diagonal initialisation.
Under Assumption 2 the flow must stay on the diagonal form (off-diagonal entries ≤ ``OFFDIAG_TOL``) and ``ab``
must converge to ``c* = κ1 / (κ2 + κ3 H_{T-2}/(T-2))`` (relative ``PRODUCT_TOL``). For a law that violates
Assumption 2 the theorem says nothing; the check then shows whether the flow leaves the diagonal (evidence,
``passed = None``).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from .. import paper
from ..errors import Unavailable
from ..model.parameters import diagonal_blocks, offdiagonal
from ..routes.ode import ReducedFlow
from ..routes.population_flow import FullFlow, solve_full_flow
from .assumption2 import SADDLE
from .base import Claim, Setting, Verdict, declined
from .tolerance import Tolerance

ID = "theorem1.full_flow"
PAPER = "Theorem 4.1"
STATEMENT = ("the gradient flow over every entry of W^KQ and W^PV stays on the diagonal form and "
             "ã·b̃ = κ1 / (κ2 + κ3·H_{T-2}/(T-2))")
METHOD = ("exact population loss over all entries (x_1 cubature × exact phase moments, a quartic polynomial); "
          f"SciPy solve_ivp (LSODA, rtol {paper.FULL_FLOW_RTOL:g}) to a terminal gradient-norm event; per-entry time")
OFFDIAG_TOL = paper.EXACT_TOL
PRODUCT_TOL = paper.FLOW_TOL
STOP_OFFDIAG = 1e-6     # an entry this far off the diagonal (relative) is a clear failure: stop there
CLAIM = Claim(ID, STATEMENT, METHOD, PAPER, "numeric.full_flow")


def _reduced_agreement(s: Setting, tau: np.ndarray, ab_full: np.ndarray) -> float:
    """``max_τ |ab_full(τ) - ab_reduced(τ)|`` against the reduced ``(a, b)`` flow at the same times."""
    EN, ED = s.population_loss().diagonal_statistics()
    flow = ReducedFlow.from_statistics(EN, ED, s.d)
    sol = solve_ivp(flow.rhs, (0.0, float(tau[-1])), [s.a0, s.b0], method="DOP853", rtol=paper.ODE_RTOL,
                    atol=paper.REDUCED_ATOL,
                    t_eval=tau)
    return float(np.max(np.abs(sol.y[0] * sol.y[1] - ab_full)))


def unit(s: Setting) -> float:
    """The size of the diagonal entries at the limit, ``√|E[N]/E[D]|``: off-diagonal entries are measured in it."""
    EN, ED = s.population_loss().diagonal_statistics()
    return float(np.sqrt(abs(EN / ED)))


def offdiagonal_gradient(s: Setting) -> float:
    """The largest off-diagonal entry of the exact population gradient at the diagonal start, relative to the
    largest diagonal one."""
    gP, gQ = s.population_loss().grad(*diagonal_blocks(s.d, s.a0, s.b0))
    full = max(float(np.abs(gP).max()), float(np.abs(gQ).max()))
    off = max(float(np.abs(x).max()) for x in offdiagonal(gP, gQ))
    return off / full if full else 0.0


def unmasked_flow(s: Setting) -> FullFlow:
    """The exact full flow from the diagonal start, integrated to convergence (shared by the claims of a setting).

    Raises:
        Unavailable: the exact tables exceed their budget, or a moment is infinite.
    """
    return s.memo("unmasked_flow", lambda: solve_full_flow(s.population_loss(), s.a0, s.b0))


def check_full_flow(s: Setting) -> Verdict:
    """``theorem1.full_flow``: the exact flow over every entry stays diagonal and reaches ``c*`` (see the module
    docstring).

    Off-diagonal entries are measured relative to the limit's diagonal entries (:func:`unit`), so the check is
    scale-free. Declined, with the estimate and what fits, when the exact tables exceed their budget.

    Args:
        s: the setting.

    Returns:
        The verdict; ``passed`` is ``None`` when Assumption 2 is violated (the evidence then says whether the
        flow leaves the diagonal).
    """
    if not s.kappas.finite:
        return CLAIM.not_applicable("a κ is not finite")
    if s.a0 + s.b0 == 0:
        return CLAIM.not_applicable(SADDLE)
    try:
        pop = s.population_loss()
        size = unit(s)
    except Unavailable as exc:
        return CLAIM.not_applicable(declined(s, exc))
    expected = float(s.product)
    g_off = offdiagonal_gradient(s)
    if not s.assumption2.holds:
        path = unmasked_flow(s)
        off = path.offdiag_max / size
        return CLAIM.verdict(
            None, path.product, None, None,
            (f"not applicable: Assumption 2 is violated ({s.assumption2.reason}); the flow "
             f"{'leaves' if off > OFFDIAG_TOL else 'stays on'} the diagonal: off-diagonal gradient "
             f"{g_off:.3g} (relative) at the start, max |off-diagonal entry| {off:.3g} (relative) by "
             f"τ = {path.tau[-1]:.4g}, ab = {path.product:.6g} there (the diagonal formula would give "
             f"{expected:.6g})"),
            {"offdiag_max": off, "offdiag_gradient_at_start": g_off, "tau": float(path.tau[-1]),
             "ab": path.product, "diagonal_formula": expected, "leaves_diagonal": off > OFFDIAG_TOL,
             "time_convention": "per matrix entry"})
    path = solve_full_flow(pop, s.a0, s.b0, stop_offdiag=STOP_OFFDIAG * size)
    error = abs(path.product - expected) / abs(expected)
    off = path.offdiag_max / size
    why = ""
    if off > OFFDIAG_TOL:
        cubes = float(s.law.joint_moment([3, 3] + [0] * (s.d - 2))) if s.d >= 2 else 0.0
        why = (f"; the flow leaves the diagonal: off-diagonal gradient {g_off:.3g} (relative) at the start"
               + (f" (it is ∝ E[x_j³ x_k³] = {cubes:.4g} ≠ 0, which Assumption 2 does not exclude)" if cubes else ""))
    ab_path = np.array([np.mean(np.diag(q[s.d:, :s.d]) * np.diag(p[:, :s.d])) for p, q in zip(path.P, path.Q)])
    reduced_gap = _reduced_agreement(s, path.tau, ab_path) / expected
    passed = path.converged and off <= OFFDIAG_TOL and error <= PRODUCT_TOL
    n_entries = path.P[0].size + path.Q[0].size
    if path.converged:
        outcome = (f"ab = {path.product:.12g}, relative error {error:.1e}; |ab − reduced (a,b) flow| ≤ "
                   f"{reduced_gap:.1e} (relative) along the path")
    else:
        outcome = f"stopped there (ab = {path.product:.6g}; the limit {expected:.6g} was not reached)"
    reason = (f"{path.message} at τ = {path.tau[-1]:.4g} over {n_entries} free entries; max |off-diagonal| "
              f"{off:.1e} (relative); {outcome}{why}")
    return CLAIM.verdict(
        expected, path.product,
        Tolerance.relative(PRODUCT_TOL, f"off-diagonal ≤ {OFFDIAG_TOL:g} (relative), relative {PRODUCT_TOL:g}"), passed,
        reason,
        {"offdiag_max": off, "relative_error": error, "converged": path.converged,
         "tau_final": float(path.tau[-1]), "entries": n_entries, "reduced_flow_gap": reduced_gap,
         "offdiag_gradient_at_start": g_off, "steps": int(len(path.tau)), "time_convention": "per matrix entry"})
