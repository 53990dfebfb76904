"""The claims of the paper, one module per statement, and the registry :data:`CLAIMS` that ``verify`` runs.

Every check is ``check(s: Setting) -> Verdict`` (:mod:`.base`): it owns the claim's preconditions and tolerances
and compares what a route measured with what :mod:`mesatheory.theory` states. Ids follow the slides' numbering;
each verdict also carries the paper's name (docs/paper.md §0).

* :mod:`.assumption2` — the data condition (a precondition, not a result);
* :mod:`.sampler` — the law's sampler against its exact moments (a precondition of every sampled route);
* :mod:`.invariance` — Theorem 1: the flow stays diagonal (exact gradient);
* :mod:`.theorem1` — Theorem 1's product four ways (closed form, ODE, Monte Carlo, cubature);
* :mod:`.full_flow` — Theorem 1 over every entry (the exact full flow);
* :mod:`.per_coordinate` — non-exchangeable coordinates: per-coordinate fixed points (derived here);
* :mod:`.corollary1` — the trained model is one gradient-descent step;
* :mod:`.theorem2`, :mod:`.recovery` — the capability limit and the recovery condition;
* :mod:`.beyond` — laws beyond Assumption 2 (the paper's §5).
"""

from __future__ import annotations

from collections.abc import Callable

from .assumption2 import check_assumption2
from .base import Setting, Verdict
from .beyond import check_leaves_diagonal, check_masked_limit, check_not_one_step_gd
from .corollary1 import check_corollary1
from .full_flow import check_full_flow
from .invariance import check_invariance
from .per_coordinate import check_per_coordinate
from .recovery import check_recovery_condition, check_recovery_finite_T
from .sampler import check_sampler
from .theorem1 import check_closed_form, check_cubature, check_monte_carlo, check_ode
from .theorem2 import check_limit, check_ratio

ClaimCheck = Callable[[Setting], Verdict]

CLAIMS: list[ClaimCheck] = [
    check_assumption2,
    check_sampler,
    check_invariance,
    check_closed_form,
    check_ode,
    check_monte_carlo,
    check_cubature,
    check_full_flow,
    check_per_coordinate,
    check_corollary1,
    check_ratio,
    check_limit,
    check_recovery_condition,
    check_recovery_finite_T,
    check_leaves_diagonal,
    check_not_one_step_gd,
    check_masked_limit,
]
"""Every claim's check, in the order of the verdict table."""

SECOND_CORE: frozenset[ClaimCheck] = frozenset({check_invariance, check_monte_carlo})
"""Claims run beside the others on a second core when there is one: the symbolic gradient (SymPy) and Theorem 1's
Monte-Carlo estimators, which share nothing with the exact routes (measured at the paper's setting, one process
per core: 2.7 s of work there against 2.8 s on the main core)."""

PRECONDITIONS = frozenset({"assumption2", "sampler.moments"})
"""Rows that check what the claims assume rather than a statement of the paper: they can fail a run, but a run
where only they apply has decided no claim."""

__all__ = ["CLAIMS", "PRECONDITIONS", "SECOND_CORE", "ClaimCheck", "Setting", "Verdict"]
