"""The moments that drive the theory, and Assumption 2 (the paper's Assumption 4.1) as a decision.

Names (docs/paper.md §3), for a coordinate ``j`` of ``x_1``:

* ``m2 = E[x_j²]``
* ``κ1 = E[x_j⁴]``, ``κ2 = E[x_j⁶]``
* ``κ3 = Σ_{r≠j} E[x_j² x_r⁴]``  (for i.i.d. coordinates ``(d-1)·E[x²]·E[x⁴]``)

Assumption 2: ``E[x_{i_1} x_{i_2}^{r_2} ⋯ x_{i_n}^{r_n}] = 0`` for distinct indices, ``n ≤ 4``, ``r_k ≥ 1``,
and ``κ1, κ2, κ3`` finite and the same for every ``j``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import sympy as sp

from ..errors import LawError
from .base import Law
from .joint import JointLaw

MIXED_MOMENT_WORK = 2e6   # atom × moment terms the atomic Assumption-2 check may evaluate (≈ a few seconds)


@dataclass(frozen=True)
class Kappas:
    """Exact ``m2, κ1, κ2, κ3`` of a law in dimension ``d`` (SymPy numbers; may be ``oo``)."""

    m2: sp.Expr
    k1: sp.Expr
    k2: sp.Expr
    k3: sp.Expr

    @property
    def finite(self) -> bool:
        """Whether all four are finite."""
        return all(v.is_finite for v in (self.m2, self.k1, self.k2, self.k3))

    def items(self) -> list[tuple[str, sp.Expr]]:
        """The four moments with their names.

        Returns:
            ``[("m2", m2), ("k1", κ1), ("k2", κ2), ("k3", κ3)]``, in that order.
        """
        return [("m2", self.m2), ("k1", self.k1), ("k2", self.k2), ("k3", self.k3)]


def coordinate_kappas(law: Law, d: int, j: int) -> Kappas:
    """``m2, κ1, κ2, κ3`` computed at coordinate ``j`` from the law's joint moments.

    Args:
        law: the law of ``x_1``.
        d: the dimension of ``x_1``.
        j: the coordinate (0-based).

    Returns:
        The exact moments of coordinate ``j``.
    """
    def e(powers: dict[int, int]) -> sp.Expr:
        exps = [0] * d
        for i, p in powers.items():
            exps[i] = p
        return law.joint_moment(exps)
    k3 = sp.Add(*[e({j: 2, r: 4}) for r in range(d) if r != j])
    return Kappas(*(sp.simplify(v) for v in (e({j: 2}), e({j: 4}), e({j: 6}), k3)))


def kappas(law: Law, d: int) -> Kappas:
    """``m2, κ1, κ2, κ3`` of ``law`` in dimension ``d``, at coordinate 1.

    Under Assumption 2 they are the same at every coordinate (:func:`decide_assumption2` checks it).

    Args:
        law: the law of ``x_1``.
        d: the dimension of ``x_1``.

    Returns:
        The exact moments of the first coordinate.
    """
    return coordinate_kappas(law, d, 0)


@dataclass(frozen=True)
class Decision:
    """A symbolic yes/no with the reason in words (the moment that decides it)."""

    holds: bool
    reason: str


def decide_assumption2(law: Law, d: int) -> Decision:
    """Decide Assumption 2 exactly.

    * i.i.d. coordinates: it holds iff ``E[x] = 0`` and ``E[x⁶] < ∞`` (then every mixed moment with a lone
      first power factorises through ``E[x] = 0``).
    * joint laws (:mod:`.joint`): from the law's symmetry and its exact ``E[x_1 x_2]`` (:meth:`JointLaw.assumption2`);
    * finite atomic laws: every moment ``E[x_{i_1} x_{i_2}^{r_2} ⋯ x_{i_n}^{r_n}]`` is computed for
      distinct indices, ``n ≤ 4`` and ``1 ≤ r_k ≤ R``, where ``R`` is the number of distinct non-zero values
      a coordinate takes (higher powers span nothing new on a finite support), and the κ's are compared
      across coordinates.

    Args:
        law: the law of ``x_1``.
        d: the dimension of ``x_1``.

    Returns:
        Whether Assumption 2 holds, with the moment that decides it.
    """
    if law.iid:
        mean = law.marginal_moment(1, d)
        sixth = law.marginal_moment(6, d)
        if not sixth.is_finite:
            return Decision(False, f"E[x^6] = {sixth}: the sixth moment is not finite")
        if mean != 0:
            return Decision(False, f"E[x_1] = {mean} ≠ 0")
        return Decision(True, "i.i.d. coordinates with E[x] = 0 and E[x^6] < ∞")
    if isinstance(law, JointLaw):
        holds, reason = law.assumption2(d)
        if holds and not coordinate_kappas(law, d, 0).finite:
            return Decision(False, "a κ is not finite")
        return Decision(holds, reason)
    atoms = law.atoms(d)
    if atoms is None:
        raise NotImplementedError("Assumption 2 for non-i.i.d. laws needs finite atoms")
    mean = law.marginal_moment(1, d)
    if mean != 0:
        return Decision(False, f"E[x_1] = {mean} ≠ 0")
    values = {v for _, vec in atoms for v in vec if v != 0}
    top = max(2, len(values))
    if any(sum(1 for v in vec if v != 0) > 1 for _, vec in atoms):
        # else at most one coordinate is non-zero: every moment over two or more distinct indices vanishes
        count = sum(math.perm(d, n) * top ** (n - 1) for n in range(2, min(4, d) + 1)) * len(atoms)
        if count > MIXED_MOMENT_WORK:
            raise LawError(f"deciding Assumption 2 for this atomic law at d = {d} needs {count:.2g} atom-moment "
                           f"terms (budget {MIXED_MOMENT_WORK:.0e}); use a smaller d")
        for n in range(2, min(4, d) + 1):
            for indices in itertools.permutations(range(d), n):
                for powers in itertools.product(range(1, top + 1), repeat=n - 1):
                    exps = [0] * d
                    exps[indices[0]] = 1
                    for i, r in zip(indices[1:], powers):
                        exps[i] = r
                    value = law.joint_moment(exps)
                    if value != 0:
                        term = " ".join(f"x_{i + 1}" + (f"^{r}" if r > 1 else "")
                                        for i, r in zip(indices, (1,) + powers))
                        return Decision(False, f"E[{term}] = {value} ≠ 0")
    reference = coordinate_kappas(law, d, 0)
    if not reference.finite:
        return Decision(False, "a κ is not finite")
    for j in range(1, d):
        other = coordinate_kappas(law, d, j)
        if other != reference:
            return Decision(False, f"the κ's differ between coordinates 1 and {j + 1}")
    return Decision(True, f"all mixed moments with a lone first power vanish (n ≤ 4, r_k ≤ {top}); "
                          "κ's equal across coordinates")
