"""Claim ``theorem1.invariance`` (paper's Theorem 4.1): the flow stays on the diagonal.

At a diagonal point (``W^{KQ}_{32} = aI``, ``W^{PV}_{12} = bI``) the exact population gradient, derived
symbolically (:mod:`mesatheory.derive.gradient`, symbolic ``a, b, T``) with the law's exact joint moments,
has no off-diagonal component. Where Assumption 2 is violated the claim is not applicable and the non-zero
off-diagonal gradient is the evidence. Where it holds but a moment it does not constrain
(``E[x_j³ x_k³]``, ``j ≠ k``) is non-zero, the claim fails, with that gradient as evidence.
"""

from __future__ import annotations

import sympy as sp

from .. import paper
from ..derive.gradient import law_gradient
from ..derive.steps import tex
from ..derive.symbols import A, B
from ..derive.symbols import T as T_SYMBOL
from ..laws import Law
from .base import Claim, Setting, Verdict
from .tolerance import Tolerance

CLAIM_ID = "theorem1.invariance"
PAPER = "Theorem 4.1"
STATEMENT = ("at every diagonal point (W^KQ_32 = aI, W^PV_12 = bI) the population gradient has no "
             "off-diagonal component (under Assumption 2)")
METHOD = ("exact: SymPy gradient of the population loss with respect to every entry of W^KQ and W^PV at the "
          "diagonal point (symbolic a, b, T), with the law's exact joint moments")
CLAIM = Claim(CLAIM_ID, STATEMENT, METHOD, PAPER, "symbolic.gradient")


def off_diagonal_gradient(law: Law, d: int, T: int) -> dict[str, dict[str, str]]:
    """The exact population gradient of every off-diagonal entry where it is not zero.

    Args:
        law: the law of ``x_1``.
        d: the dimension.
        T: the sequence length substituted in ``"at_T"`` and ``"at_T_float"``.

    Returns:
        ``{entry label: {"exact", "latex", "at_T", "at_T_float"}}``: the gradient for symbolic ``T`` (as text and
        LaTeX), at this ``T``, and at this ``T`` to 8 digits.
    """
    out = {}
    for entry, value in sorted(law_gradient(law, d).items()):
        if not entry.active(d):
            at_T = sp.collect(sp.expand(value.subs(T_SYMBOL, T)), [A, B])
            out[entry.label(d)] = {"exact": sp.sstr(value), "latex": tex(value), "at_T": sp.sstr(at_T),
                                   "at_T_float": sp.sstr(sp.N(at_T, 8))}
    return out


def check_invariance(s: Setting) -> Verdict:
    """``theorem1.invariance``: zero off-diagonal gradient under Assumption 2 (exact, SymPy).

    Where Assumption 2 is violated the claim is not applicable and the non-zero off-diagonal gradient is the
    evidence; where it holds but the gradient is not zero, the claim fails with that gradient as evidence.

    Args:
        s: the setting.

    Returns:
        The verdict, with the off-diagonal gradient as evidence.
    """
    decision, d, T = s.assumption2, s.d, s.T
    if not s.kappas.finite:
        return CLAIM.not_applicable(f"a moment is infinite ({decision.reason})")
    if d > paper.SYMBOLIC_MAX_D:
        return CLAIM.not_applicable(f"declined: the symbolic gradient is offered for d ≤ {paper.SYMBOLIC_MAX_D} (got "
                                    f"d = {d}); theorem1.full_flow checks the same gradient numerically")
    grads = off_diagonal_gradient(s.law, d, T)
    example = next(iter(grads.items()), None)
    shown = f"e.g. ∂L/∂{example[0]} = {example[1]['at_T_float']} at T = {T}" if example else ""
    evidence = {"off_diagonal_nonzero": len(grads), "off_diagonal_gradient": grads,
                "variables": "a, b: the diagonal point; T symbolic in 'exact'"}
    if not decision.holds:
        return CLAIM.not_applicable(f"Assumption 2 is violated ({decision.reason}); the off-diagonal gradient is "
                                    f"non-zero in {len(grads)} entries, {shown}", evidence)
    passed = not grads
    reason = (f"off-diagonal gradient exactly 0 in all {2 * (3 * d) ** 2 - 2 * d} off-diagonal entries" if passed else
              f"Assumption 2 holds, yet the off-diagonal gradient is non-zero in {len(grads)} entries ({shown}): "
              "it carries E[x_j³ x_k³] (j ≠ k), a moment Assumption 2 does not constrain")
    return CLAIM.verdict("0 in every off-diagonal entry", f"{len(grads)} non-zero off-diagonal entries",
                         Tolerance.exact(), passed, reason, evidence)
