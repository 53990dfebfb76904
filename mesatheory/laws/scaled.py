"""A non-exchangeable law: independent Gaussian coordinates with different scales.

:class:`ScaledGaussian` — ``x_{1,j} ~ N(0, σ_j²)`` independent, with the geometric ramp ``σ_j = σ·q^{j−1}``
(parameters ``sigma`` = σ and ``ratio`` = q; spec ``scaled:sigma=1,ratio=2``). The ramp is defined at every ``d``
from two numbers, so the law fits the spec grammar (:mod:`.spec`) unchanged and every claim can run it at any size.

Exact joint moments factorise, ``E[∏_j x_j^{p_j}] = ∏_j σ_j^{p_j} E[g^{p_j}]``; each coordinate is sign-symmetric,
so every moment with an odd power vanishes and the off-diagonal gradient is 0 at every per-coordinate diagonal point
(``W^{KQ}_{32} = diag(a_j)``, ``W^{PV}_{12} = diag(b_j)``). For ``q ≠ 1`` the κ's depend on the coordinate
(``κ1_j = 3σ_j⁴``) and ``κ̃3_j = Σ_{r≠j} E[x_j⁴ x_r²] ≠ κ3_j = Σ_{r≠j} E[x_j² x_r⁴]``: Assumption 2 fails, the
diagonal entries separate, and the fixed points are per coordinate (:mod:`mesatheory.theory.per_coordinate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .joint import JointLaw, gaussian_moment, product_rule


@dataclass(frozen=True, eq=False, repr=False)
class ScaledGaussian(JointLaw):
    """Independent ``N(0, σ_j²)`` coordinates, ``σ_j = σ·q^{j−1}`` (parameters ``sigma``, ``ratio``)."""

    def scales(self, d: int) -> list[sp.Expr]:
        """The standard deviations ``σ_j = σ·q^{j−1}``, ``j = 1..d``.

        Args:
            d: the dimension.

        Returns:
            The ``d`` exact scales.
        """
        sigma, ratio = self.params["sigma"], self.params["ratio"]
        return [sigma * ratio**j for j in range(d)]

    def joint_moment(self, exponents: Sequence[int]) -> sp.Expr:
        """``∏_j σ_j^{p_j} E[g^{p_j}]`` (independent coordinates).

        Args:
            exponents: the powers ``(p_1, …, p_d)``.

        Returns:
            The exact moment.
        """
        return sp.Mul(*[s**p * gaussian_moment(p) for s, p in zip(self.scales(len(exponents)), exponents)])

    def assumption2(self, d: int) -> tuple[bool, str]:
        """Assumption 2: the mixed moments vanish (independent, sign-symmetric), but the κ's depend on ``j`` unless
        ``q = 1``.

        Args:
            d: the dimension.

        Returns:
            ``(holds, reason)``.
        """
        scales = self.scales(d)
        if d >= 2 and scales[1] != scales[0]:
            return False, (f"the κ's depend on the coordinate (κ1 = 3σ_j⁴: {3 * scales[0]**4} at j = 1, "
                           f"{3 * scales[1]**4} at j = 2); the mixed moments vanish (independent, sign-symmetric "
                           "coordinates), so the flow stays diagonal but its entries separate: "
                           "theorem1.per_coordinate decides the per-coordinate fixed points")
        return True, "independent N(0, σ²) coordinates of one scale (ratio = 1): the Gaussian law"

    def sample(self, rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        """``σ_j g_j`` (``(n, d)`` draws, as :meth:`Law.sample`)."""
        return rng.standard_normal((n, d)) * np.array([float(s) for s in self.scales(d)])

    def rule(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """The product Gauss–Hermite rule of ``g`` scaled per coordinate (exact to degree 7 in each coordinate).

        Args:
            d: the dimension.

        Returns:
            Points ``(σ_j g_j)`` and the product weights.
        """
        points, weights = product_rule(d)
        return points * np.array([float(s) for s in self.scales(d)]), weights


__all__ = ["ScaledGaussian"]
