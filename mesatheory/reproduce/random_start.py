"""The appendix experiment as a check: does the exact population flow from a random start reach the diagonal?

The paper's Figure 5 trains from every weight drawn from ``σ_w·N(0, 1)`` and finds the active blocks diagonal
after training. Noise-free and at a size where the population loss is exact
(:meth:`mesatheory.model.quartic.QuarticLoss.from_law`), :func:`check_random_start` integrates the full flow
(:func:`mesatheory.routes.population_flow.solve_full_flow`) from random starts and compares the end point with
the diagonal fixed point of Theorem 1: every entry outside the diagonal form within ``OFFDIAG_TOL`` of zero and
every diagonal product ``a_j b_j`` within ``PRODUCT_TOL`` (relative) of the exact ``ã·b̃``. It reports the
worst start either way, so a law where the flow does not come back to the diagonal (full-one: Assumption 2 fails)
shows where it ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..laws import get_law, kappas
from ..model.parameters import offdiagonal, random_blocks
from ..routes.population_flow import solve_full_flow
from ..theory import product_from_kappas
from .twin import population_loss

OFFDIAG_TOL = 1e-8       # largest |entry| outside the diagonal form accepted at the end point
PRODUCT_TOL = 1e-8       # relative gap of every a_j b_j to the exact ã·b̃


@dataclass(frozen=True)
class RandomStart:
    """The verdict over the random starts: the worst off-diagonal entry and product gap, and whether they pass."""

    passed: bool
    offdiag: float
    product_gap: float
    exact: float
    message: str


def check_random_start(law: str, d: int, T: int, sigma_w: float, seeds: Sequence[int]) -> RandomStart:
    """Integrate the exact full flow from ``σ_w·N(0, 1)`` starts and compare the end points with Theorem 1.

    Args:
        law: the law's spec.
        d: the dimension (the exact tables must fit their budget).
        T: the sequence length.
        sigma_w: the standard deviation of every initial entry.
        seeds: the seeds of the initial draws.

    Returns:
        The verdict (module docstring).

    Raises:
        Unavailable: the exact tables exceed their budget at ``d, T``.
    """
    pop = population_loss(law, d, T)
    exact = float(product_from_kappas(kappas(get_law(law), d), T))
    ends = []
    for seed in seeds:
        flow = solve_full_flow(pop, 0.0, 0.0, start=random_blocks(d, sigma_w, seed))
        P, Q = flow.P[-1], flow.Q[-1]
        off = max(float(np.abs(x).max()) for x in offdiagonal(P, Q))
        gap = float(np.max(np.abs(np.diag(Q[d:, :d]) * np.diag(P[:, :d]) - exact)) / abs(exact))
        ends.append((off / OFFDIAG_TOL + gap / PRODUCT_TOL, off, gap, seed, flow.message))
    _, off, gap, seed, message = max(ends)
    worst_off, worst_gap = max(e[1] for e in ends), max(e[2] for e in ends)
    where = f"seed {seed}: {message}, off-diagonal {off:.2g}, max |a_j b_j/ã·b̃ − 1| = {gap:.2g}"
    passed = worst_off <= OFFDIAG_TOL and worst_gap <= PRODUCT_TOL
    return RandomStart(passed=passed, offdiag=worst_off, product_gap=worst_gap, exact=exact,
                       message=f"{'reaches' if passed else 'does not reach'} the diagonal fixed point; worst {where}")
