"""Claim ``sampler.moments``: the law's sampler draws the law whose exact moments the theory uses.

Every sampled route sees the law only through its sampler, and every exact route only through its exact moments;
this claim ties the two. From :data:`mesatheory.paper.SAMPLER_DRAWS` draws of ``x_1`` it compares the sample
moments ``E[x_j^p]``, ``p = 1..``:data:`mesatheory.paper.SAMPLER_DEGREE` (pooled over the coordinates when they
are exchangeable, else coordinate 1), and the mixed moments ``E[x_1² x_2²]``, ``E[x_1² x_2⁴]`` behind ``κ3``
(``d ≥ 2``), with the exact ones, each within ``Z_BAND`` standard errors. A moment is compared only where a z-test
means something: the summand's kurtosis (exact, from the law's moments up to degree ``4p``) is small against the
number of draws; the reason names the moments left out.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .. import paper
from ..routes.montecarlo import mean_estimate
from .base import Claim, Setting, Verdict, within_se
from .tolerance import Tolerance

CLAIM = Claim("sampler.moments", "the sampler's moments equal the law's exact moments (degree ≤ 12)",
              f"{paper.SAMPLER_DRAWS} draws of x_1 (seed + 4): sample moments ± SE against the exact moments",
              "precondition", "sampled.moments")


def _moments(s: Setting) -> list[tuple[str, tuple[int, ...]]]:
    """``(name, exponents)`` of the moments compared, degree ≤ ``SAMPLER_DEGREE``."""
    out = [(f"E[x^{p}]", (p,) + (0,) * (s.d - 1)) for p in range(1, paper.SAMPLER_DEGREE + 1)]
    if s.d >= 2:
        out += [("E[x_1² x_2²]", (2, 2) + (0,) * (s.d - 2)), ("E[x_1² x_2⁴]", (2, 4) + (0,) * (s.d - 2))]
    return out


KURTOSIS_FRACTION = 1e-3   # a moment is compared when its summand's kurtosis is at most this fraction of the draws


def _normal_enough(s: Setting, exps: tuple[int, ...], n: int) -> bool:
    """Whether the sample mean of ``y = ∏ x_j^{p_j}`` over ``n`` draws is close enough to normal for a z-test.

    The band ``Z_BAND·SE`` means what it says only when ``SE`` is itself accurate and the mean nearly normal: both
    need the summand's kurtosis ``E[y⁴]/E[y²]²`` (exact, from the law) to be small against ``n``. Heavy-tailed high
    moments — ``x^12`` of a Laplace law has kurtosis ≈ 10¹³ — cannot be checked by sampling at any feasible ``n``
    and are left out (named in the reason).
    """
    if not s.law.moment_is_finite(4 * max(exps), s.d):
        return False
    second = s.law.joint_moment(tuple(2 * e for e in exps))
    fourth = s.law.joint_moment(tuple(4 * e for e in exps))
    if not (second.is_finite and fourth.is_finite) or second == 0:
        return False
    return bool(fourth / second**2 <= KURTOSIS_FRACTION * n)


def _powers(x: np.ndarray, top: int) -> list[np.ndarray]:
    """``[x^0, x^1, …, x^top]`` by repeated multiplication (NumPy's ``**`` calls ``pow`` for every element)."""
    out = [np.ones_like(x)]
    for _ in range(top):
        out.append(out[-1] * x)
    return out


def check_sampler(s: Setting) -> Verdict:
    """``sampler.moments``: every comparable moment of the sampler within ``Z_BAND`` SE of the exact one.

    Args:
        s: the setting.

    Returns:
        The verdict: the worst |z| over the moments compared, the moments left out (infinite variance) as reason.
    """
    draws = s.law.sample(np.random.default_rng(s.seed + 4), paper.SAMPLER_DRAWS, s.d)
    pooled_n = len(draws) * min(s.d, 4) if s.law.iid else 0   # coordinates 1..4 draw the same law

    def marginal(exps: tuple[int, ...]) -> bool:
        return pooled_n > 0 and sum(1 for e in exps if e) == 1

    chosen: list[tuple[str, tuple[int, ...]]] = []
    skipped: list[str] = []
    for name, exps in _moments(s):
        if _normal_enough(s, exps, pooled_n if marginal(exps) else len(draws)):
            chosen.append((name, exps))
        else:
            skipped.append(name)
    top = max((max(exps) for _, exps in chosen), default=0)     # powers only as high as a compared moment needs
    pooled = _powers(draws[:, :4].ravel(), top) if pooled_n else None
    columns = [_powers(draws[:, j], top) for j in range(min(s.d, 2))]
    compared = [name for name, _ in chosen]
    worst, failed = 0.0, []
    for name, exps in chosen:
        exact = s.law.joint_moment(exps)
        if pooled is not None and marginal(exps):
            est = mean_estimate(pooled[max(exps)])
        else:
            est = mean_estimate(np.prod([columns[j][e] for j, e in enumerate(exps) if e], axis=0))
        ok, z, _ = within_se(est, float(exact))
        worst = max(worst, abs(z))
        if not ok:
            failed.append(f"{name}: {est.value:.6g} ± {est.se:.2g} against {sp.N(exact, 6)} (z = {z:+.1f})")
    reason = f"{len(compared)} moments compared, largest |z| = {worst:.2f}"
    if skipped:
        reason += (f"; not compared (their sample mean is too heavy-tailed for a z-test at this n): "
                   f"{', '.join(skipped)}")
    if failed:
        reason += "; off: " + "; ".join(failed)
    return CLAIM.verdict(f"within {paper.Z_BAND:g}·SE", f"|z| ≤ {worst:.2f}",
                         Tolerance("z", paper.Z_BAND, f"{paper.Z_BAND:g}·SE", z=worst), not failed,
                         reason, {"compared": compared, "skipped": skipped, "max_abs_z": worst})
