"""``theorem1.per_coordinate`` [derived here]: non-exchangeable coordinates reach per-coordinate fixed points.

When the coordinates of ``x_1`` are not exchangeable (their moments differ, e.g. ``scaled``) Assumption 2 fails and
Theorem 1's single product does not apply, yet for independent sign-symmetric coordinates the flow keeps the
diagonal form (:mod:`mesatheory.derive.per_coordinate`): its entries ``(a_j, b_j)`` separate and converge to the
per-coordinate fixed point of :mod:`mesatheory.theory.per_coordinate`, and the trained map is the preconditioned
step ``ŷ_t = diag(b̃) Ĝ_t diag(ã) x_t``. The check runs the exact full flow over every entry (shared with
``theorem1.full_flow``) and compares its ``c_j = a_j b_j`` with the solved fixed points (relative
:data:`mesatheory.paper.FLOW_TOL`), its off-diagonal entries with 0 (relative :data:`mesatheory.paper.EXACT_TOL`);
the evidence also gives the exact population loss of the trained model against the best vanilla one-step GD.
"""

from __future__ import annotations

import numpy as np

from .. import paper
from ..errors import Unavailable
from ..model.parameters import diagonal_blocks
from ..theory.per_coordinate import CoordinateMoments, FixedPoint, fixed_point, vanilla_product
from .assumption2 import SADDLE
from .base import Claim, Setting, Verdict, declined
from .full_flow import OFFDIAG_TOL, offdiagonal_gradient, unit, unmasked_flow
from .tolerance import Tolerance

ID = "theorem1.per_coordinate"
STATEMENT = ("non-exchangeable coordinates: the flow stays diagonal and each c_j = a_j b_j reaches its "
             "per-coordinate fixed point; the trained map is the preconditioned step diag(b̃) Ĝ_t diag(ã)")
METHOD = ("per-coordinate fixed points (reduced 2d-dimensional flow + Newton on ∇L = 0 with Σ(a_j² − b_j²) "
          "conserved) against the exact full flow over every entry")
CLAIM = Claim(ID, STATEMENT, METHOD, "Theorem 4.1 (generalised here)", "numeric.per_coordinate")
PRODUCT_TOL = paper.FLOW_TOL


def coordinate_moments(s: Setting) -> CoordinateMoments:
    """The per-coordinate moments of the setting's law (computed once per setting)."""
    return s.memo("coordinate_moments", lambda: CoordinateMoments.from_law(s.law, s.d))


def per_coordinate_applies(s: Setting) -> bool:
    """Whether the law's coordinates are not exchangeable and the flow keeps the diagonal form.

    Args:
        s: the setting.

    Returns:
        ``True`` when this claim, not Theorem 1's single product, describes the flow.

    Raises:
        Unavailable: the exact tables exceed their budget.
    """
    if s.law.iid or not s.kappas.finite or s.d < 2 or coordinate_moments(s).exchangeable:
        return False
    return offdiagonal_gradient(s) <= OFFDIAG_TOL


def predicted(s: Setting) -> FixedPoint:
    """The per-coordinate fixed point from the setting's start (computed once per setting)."""
    return s.memo("per_coordinate_fixed_point", lambda: fixed_point(coordinate_moments(s), s.T, s.a0, s.b0))


def _precondition(s: Setting) -> str | None:
    """Why the claim does not apply (exchangeable coordinates, the flow leaves the diagonal, ...), or ``None``.

    Raises:
        Unavailable: the exact tables exceed their budget.
    """
    if s.law.iid:
        return "i.i.d. coordinates are exchangeable: one product for all (theorem1.*)"
    if s.d < 2:
        return "d = 1 has one coordinate (theorem1.*)"
    if not s.kappas.finite:
        return "a κ is not finite"
    if coordinate_moments(s).exchangeable:
        return "the coordinates' moments agree (m2, κ1, κ2, κ3, κ̃3): one product for all (theorem1.*, beyond.*)"
    if s.a0 + s.b0 == 0:
        return SADDLE
    if not per_coordinate_applies(s):
        return "the off-diagonal gradient at the start is not 0: the flow leaves the diagonal form (beyond.*)"
    return None


def check_per_coordinate(s: Setting) -> Verdict:
    """``theorem1.per_coordinate``: the exact full flow reaches the per-coordinate fixed points (module docstring).

    Args:
        s: the setting.

    Returns:
        The verdict; not applicable, with the reason, for exchangeable laws, flows that leave the diagonal, infinite
        moments, the saddle start, or tables over budget.
    """
    try:
        why = _precondition(s)
        if why is None:
            fp = predicted(s)
            path = unmasked_flow(s)
            size = unit(s)
    except Unavailable as exc:
        why = declined(s, exc)
    if why is not None:
        if not s.assumption2.holds and why != SADDLE:
            why = f"Assumption 2 is violated ({s.assumption2.reason}), and {why}"
        return CLAIM.not_applicable(why)
    d = s.d
    P, Q = path.P[-1], path.Q[-1]
    a, b = np.diag(Q[d:, :d]).copy(), np.diag(P[:, :d]).copy()
    c = a * b
    error = float(np.max(np.abs(c - fp.c) / np.abs(fp.c)))
    off = path.offdiag_max / size
    passed = bool(path.converged and off <= OFFDIAG_TOL and error <= PRODUCT_TOL)
    pop = s.population_loss()
    vanilla = vanilla_product(coordinate_moments(s), s.T)
    root = float(np.sqrt(abs(vanilla)))
    loss_trained = pop.loss(P, Q)
    loss_vanilla = pop.loss(*diagonal_blocks(d, root, np.sign(vanilla) * root))
    shown = ", ".join(f"{x:.6g}" for x in fp.c)
    reason = (f"{path.message} at τ = {path.tau[-1]:.4g}; c_j = ({shown}) (fixed points, Newton residual "
              f"{fp.residual:.1e}); flow's c_j within {error:.1e} (relative), max |off-diagonal| {off:.1e} (relative); "
              f"trained map diag(b̃) Ĝ_t diag(ã) with ã = ({', '.join(f'{x:.4g}' for x in a)}), "
              f"b̃ = ({', '.join(f'{x:.4g}' for x in b)}); exact population loss {loss_trained:.8g} < "
              f"{loss_vanilla:.8g} of the best vanilla one-step GD (ab = {vanilla:.6g})")
    return CLAIM.verdict(
        _vector(fp.c), _vector(c),
        Tolerance.relative(PRODUCT_TOL, f"off-diagonal ≤ {OFFDIAG_TOL:g} (relative), each c_j relative "
                                        f"{PRODUCT_TOL:g}"),
        passed and loss_trained < loss_vanilla, reason,
        {"c_fixed_point": fp.c, "a_fixed_point": fp.a, "b_fixed_point": fp.b, "newton_residual": fp.residual,
         "c_flow": c, "a_flow": a, "b_flow": b, "relative_error": error, "offdiag_max": off,
         "converged": path.converged, "loss_trained": loss_trained, "loss_best_vanilla_gd": loss_vanilla,
         "vanilla_product": vanilla, "preconditioner": "ŷ_t = diag(b̃) Ĝ_t diag(ã) x_t, Ĝ_t = Σ x_{i+1} x_i^*/(t−1)",
         "time_convention": "per matrix entry"})



def _vector(values: np.ndarray) -> str:
    """``c = (c_1, …, c_d)`` to 10 digits."""
    return "c = (" + ", ".join(f"{float(x):.10g}" for x in values) + ")"
