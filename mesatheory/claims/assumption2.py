"""Claim ``assumption2``: whether the law of ``x_1`` satisfies Assumption 2 (paper's Assumption 4.1).

It is a precondition, not a result of the paper: when it is violated the row reads "violated" with the
moment that breaks it (``passed`` is ``None``), and the claims that need it are not applicable.
"""

from __future__ import annotations

from .. import paper
from .base import Claim, Setting, Verdict
from .tolerance import Tolerance

STATEMENT = ("E[x_i1 x_i2^r2 ⋯ x_in^rn] = 0 for distinct indices (n ≤ 4), and κ1, κ2, κ3 finite and "
             "the same for every coordinate")


CLAIM = Claim("assumption2", STATEMENT, "symbolic (SymPy moments)", "Assumption 4.1", "symbolic.moments")


def check_assumption2(s: Setting) -> Verdict:
    """``assumption2``: the exact decision of :func:`mesatheory.laws.decide_assumption2`, as a verdict row.

    Args:
        s: the setting.

    Returns:
        ``passed = True`` when the assumption holds; ``None`` (the row reads "violated") when it does not, with
        the moment that breaks it as the reason.
    """
    decision = s.assumption2
    return CLAIM.verdict("holds", "holds" if decision.holds else "violated", Tolerance.exact(),
                         True if decision.holds else None,
                         decision.reason if decision.holds else f"violated: {decision.reason}")


SADDLE = ("a0 + b0 = 0: the flow stays on the invariant line a = −b and converges to the saddle at the origin "
          "(ab → 0), the one start Theorem 1 excludes")


def theorem1_precondition(s: Setting) -> str | None:
    """Why Theorem 1's limit does not apply to this setting, or ``None`` when it does.

    Args:
        s: the setting.

    Returns:
        The reason in words (Assumption 2 violated, a κ infinite, or a start on the saddle's line), or ``None``.
    """
    if not s.assumption2.holds:
        return f"Assumption 2 is violated ({s.assumption2.reason})"
    if not s.kappas.finite:
        return "a κ is not finite"
    if s.a0 + s.b0 == 0:
        return SADDLE
    return None


def sampled_budget(s: Setting, per_sequence: float, what: str) -> str | None:
    """Why a sampled branch is declined: ``s.samples × per_sequence`` exceeds the budget, or ``None``.

    Args:
        s: the setting.
        per_sequence: the multiply-adds one sampled sequence costs this branch.
        what: the branch, for the reason.

    Returns:
        The reason, with the estimate and the largest ``--samples`` that fits, or ``None``.
    """
    work = s.samples * per_sequence
    if work <= paper.SAMPLED_WORK:
        return None
    fits = int(paper.SAMPLED_WORK // per_sequence)
    hint = f"--samples {fits} fits" if fits >= paper.MIN_SAMPLES else f"no --samples fits at d = {s.d}, T = {s.T}"
    return f"declined: {what} needs {work:.2g} multiply-adds (budget {paper.SAMPLED_WORK:.0e}; {hint})"


def finite_moment(s: Setting, p: int, needed_by: str) -> str | None:
    """Why a sampled branch is not applicable: ``E[x^p]`` (every coordinate) is infinite, or ``None``.

    Args:
        s: the setting.
        p: the even moment the estimator's variance needs.
        needed_by: what needs it, for the reason (e.g. "the estimator's variance").

    Returns:
        The reason naming the moment, or ``None`` when it is finite.
    """
    value = s.law.marginal_moment(p, s.d)
    if value.is_finite:
        return None
    return f"E[x^{p}] = {value}: {needed_by} is infinite, so no standard error exists"
