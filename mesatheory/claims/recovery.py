"""The recovery condition (the paper's Theorem 4.2, under its Assumption 4.2), as verified claims.

Recovery is decided exactly by :func:`mesatheory.theory.recovery`: the limit loss ``(d/2)(m2 − κ1²/κ2)`` vanishes
iff ``m2·κ2 = κ1²`` (``x² ∈ {0, s²}`` a.s.); at finite ``T`` the loss of the trained model vanishes iff also
``κ3 = 0``. The sampled evidence is the shared pass of :func:`mesatheory.claims.theorem2.capability_estimates`.
"""

from __future__ import annotations

from .. import paper
from ..theory import per_step_loss, recovery
from .assumption2 import theorem1_precondition
from .base import Claim, Setting, Verdict, within_se
from .theorem2 import capability_estimates

PAPER = "Theorem 4.2"
RECOVERY = Claim("recovery.condition", "the trained model recovers W as T → ∞ iff m2·κ2 = κ1² (x² ∈ {0, s²} a.s.)",
                 "exact identity m2·κ2 − κ1²; Monte-Carlo loss of the limit predictor", PAPER)
RECOVERY_FINITE_T = Claim("recovery.finite_T",
                          "exact recovery at finite T iff also κ3 = 0 (at most one non-zero coordinate)",
                          "exact loss ℓ_(T−1)(c*) vs Monte-Carlo loss of the trained model at t = T−1", PAPER)


def check_recovery_condition(s: Setting) -> Verdict:
    """``recovery.condition``: the exact recovery category, and the sampled limit loss consistent with it.

    When the category is "never" the sampled limit loss must also be significantly positive.

    Args:
        s: the setting.

    Returns:
        The verdict; ``expected`` is the category.
    """
    if why := theorem1_precondition(s):
        return RECOVERY.not_applicable(why)
    decision = recovery(s.kappas, s.d)
    est = capability_estimates(s)["limit"]
    ok, z, tolerance = within_se(est.value, est.se, float(decision.limit_loss))
    if decision.category == "never":  # the loss must be significantly positive, not merely consistent
        ok = ok and est.value - paper.Z_BAND * est.se > 0
    return RECOVERY.verdict(decision.category, f"limit loss {est.value:.6g}", tolerance, ok, decision.explanation,
                            {"category": decision.category, "limit_loss": str(decision.limit_loss), "z": z})


def check_recovery_finite_T(s: Setting) -> Verdict:
    """``recovery.finite_T``: the exact loss of the trained model at ``t = T−1`` against its sampled value.

    The exact loss must be 0 exactly when the category is "exact at every T".

    Args:
        s: the setting.

    Returns:
        The verdict.
    """
    if why := theorem1_precondition(s):
        return RECOVERY_FINITE_T.not_applicable(why)
    exact = per_step_loss(s.kappas, s.d, s.product, s.T - 1)
    est = capability_estimates(s)["trained"]
    ok, z, tolerance = within_se(est.value, est.se, float(exact))
    category = recovery(s.kappas, s.d).category
    ok = ok and ((exact == 0) == (category == "exact at every T"))
    return RECOVERY_FINITE_T.verdict(float(exact), est.value, tolerance, ok,
                                     f"{category}; exact loss at t = T−1: {float(exact):.6g}; "
                                     f"sampled {est.value:.6g} ± {est.se:.2g} (z = {z:+.2f})",
                                     {"exact": str(exact), "se": est.se, "z": z})
