"""The recovery condition (the paper's Theorem 4.2, under its Assumption 4.2), as verified claims.

Recovery is decided exactly by :func:`mesatheory.theory.recovery`: the limit loss ``(d/2)(m2 − κ1²/κ2)`` vanishes
iff ``m2·κ2 = κ1²`` (``x² ∈ {0, s²}`` a.s.); at finite ``T`` the loss of the trained model vanishes iff also
``κ3 = 0``. The sampled evidence is the shared pass of :func:`mesatheory.claims.theorem2.capability_estimates`.
"""

from __future__ import annotations

import numpy as np

from .. import paper
from .._io import exact_text
from ..errors import Unavailable
from ..model.parameters import diagonal_blocks
from ..theory import LADDER, per_step_loss, recovery, trained_loss
from .assumption2 import finite_moment, sampled_budget, theorem1_precondition
from .base import Claim, Setting, Verdict, within_se
from .theorem2 import capability_estimates
from .tolerance import Tolerance

PAPER = "Theorem 4.2"
RECOVERY = Claim("recovery.condition", "the trained model recovers W as T → ∞ iff m2·κ2 = κ1² (x² ∈ {0, s²} a.s.)",
                 "exact identity m2·κ2 − κ1², consistent with the SymPy limit loss and the exact finite-T losses; "
                 "Monte-Carlo loss of the limit predictor", PAPER, "exact.recovery_identity")
RECOVERY_FINITE_T = Claim("recovery.finite_T",
                          "exact recovery at finite T iff also κ3 = 0 (at most one non-zero coordinate)",
                          "exact loss ℓ_(T−1)(c*) vs the exact population loss of the trained model at t = T−1 "
                          "(population tables) and its Monte-Carlo loss", PAPER, "exact.finite_T_loss")


def check_recovery_condition(s: Setting) -> Verdict:
    """``recovery.condition``: the exact recovery category, consistent with the losses, exact and sampled.

    * **exact** — the category from ``m2·κ2 − κ1²`` and ``κ3`` (:func:`mesatheory.theory.recovery`) must agree with
      the SymPy limit loss (positive iff "never") and, for "exact at every T", with zero exact losses along
      ``T = 10…10⁴``;
    * **sampled** — the limit predictor's sampled loss within ``Z_BAND`` standard errors of the limit loss (the
      exact branch decides the category; demanding a significantly positive sampled loss for "never" failed
      heavy-tailed laws whose SE is large, 5 of 200 seeds in the calibration); needs ``E[x^12] < ∞``.

    Args:
        s: the setting.

    Returns:
        The verdict; ``expected`` is the category.
    """
    if why := theorem1_precondition(s):
        return RECOVERY.not_applicable(why)
    decision = recovery(s.kappas, s.d)
    loss = decision.limit_loss
    consistent = (decision.category == "never") == bool(loss > 0)
    if decision.category == "exact at every T":
        consistent = consistent and all(trained_loss(s.kappas, s.d, T) == 0 for T in LADDER)
    evidence = {"category": decision.category, "limit_loss": str(loss), "exact_consistent": consistent}
    if sampled_why := (finite_moment(s, 12, "the sampled loss's variance")
                       or sampled_budget(s, s.T * s.d**2, "the sampled pass")):
        return RECOVERY.verdict(decision.category, decision.category, Tolerance.exact(), consistent,
                                f"{decision.explanation}; sampled: n/a ({sampled_why})", evidence)
    est = capability_estimates(s)["limit"]
    ok, z, tolerance = within_se(est, float(loss))
    return RECOVERY.verdict(decision.category, f"limit loss {est.value:.6g}", tolerance, consistent and ok,
                            decision.explanation, {**evidence, "z": z, "se": est.se})


def check_recovery_finite_T(s: Setting) -> Verdict:
    """``recovery.finite_T``: the exact loss of the trained model at ``t = T−1``, three ways.

    * **exact** — the theory's ``ℓ_{T−1}(c*)`` against the exact population loss at position ``T−1`` of the diagonal
      model at ``ab = c*`` (population tables, relative :data:`mesatheory.paper.EXACT_TOL` of the loss scale
      ``½ E||x||²``); it must be 0 exactly when the category is "exact at every T";
    * **sampled** — its Monte-Carlo value within ``Z_BAND`` standard errors; needs ``E[x^12] < ∞``.

    Args:
        s: the setting.

    Returns:
        The verdict.
    """
    if why := theorem1_precondition(s):
        return RECOVERY_FINITE_T.not_applicable(why)
    exact = per_step_loss(s.kappas, s.d, s.product, s.T - 1)
    category = recovery(s.kappas, s.d).category
    ok = (exact == 0) == (category == "exact at every T")
    parts = [f"{category}; exact loss at t = T−1: {float(exact):.6g}"]
    evidence: dict = {"exact": exact_text(exact)}
    try:
        pop = s.population_loss((s.T - 1,))
        root = float(np.sqrt(float(s.product)))
        table = pop.loss(*diagonal_blocks(s.d, root, root))
        gap = abs(table - float(exact)) / max(pop.const, abs(float(exact)))
        ok = ok and gap <= paper.EXACT_TOL
        evidence["population_relative_gap"] = gap
        parts.append(f"population tables: {table:.10g} (relative gap {gap:.1e})")
    except Unavailable as exc:
        parts.append(f"population tables declined ({exc})")
    tolerance = Tolerance.relative(paper.EXACT_TOL, f"exact: relative {paper.EXACT_TOL:g}")
    measured = float(exact)
    if sampled_why := (finite_moment(s, 12, "the sampled loss's variance")
                       or sampled_budget(s, s.T * s.d**2, "the sampled pass")):
        parts.append(f"sampled: n/a ({sampled_why})")
    else:
        est = capability_estimates(s)["trained"]
        ok_mc, z, band = within_se(est, float(exact))
        ok = ok and ok_mc
        measured, tolerance = est.value, band.labelled(f"{tolerance}; MC {band}")
        evidence.update(se=est.se, z=z)
        parts.append(f"sampled {est.value:.6g} ± {est.se:.2g} (z = {z:+.2f})")
    return RECOVERY_FINITE_T.verdict(float(exact), measured, tolerance, ok, "; ".join(parts), evidence)
