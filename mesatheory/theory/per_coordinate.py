"""Per-coordinate fixed points: the diagonal flow when the coordinates of ``x_1`` are not exchangeable.

**[derived here]** (:mod:`mesatheory.derive.per_coordinate` derives the loss below from the model's definition and
checks this module's formulas against it.) At the per-coordinate diagonal point ``W^{KQ}_{32} = diag(a_j)``,
``W^{PV}_{12} = diag(b_j)`` the population loss is, for any law of ``x_1``, with ``c_j = a_j b_j``, ``n = T − 2``
and ``H = H_{T−2}``,

    L(a, b) = ½ Σ_j [ n (κ2_j c_j² − 2 κ1_j c_j + m2_j) + H b_j² Σ_{k≠j} a_k² M_jk ],   M_jk = E[x_j² x_k⁴],

(``m2_j, κ1_j, κ2_j`` the moments of coordinate ``j``). Each entry moves under ``dθ/dτ = −∇L`` (per-entry time):

    ∂L/∂a_j = n (κ2_j a_j b_j² − κ1_j b_j) + H a_j Σ_{k≠j} b_k² M_kj
    ∂L/∂b_j = n (κ2_j a_j² b_j − κ1_j a_j) + H b_j Σ_{k≠j} a_k² M_jk

so the ``a`` of coordinate ``j`` feels ``κ̃3``-type moments ``M_kj`` and its ``b`` the ``κ3``-type ``M_jk``; the
coordinates are coupled. ``Σ_j (a_j² − b_j²)`` is conserved (the loss is invariant under ``a → s a``,
``b → b/s``). Off the axes a fixed point solves ``∇L = 0``: ``2d`` equations of which one is implied by the others
(``Σ_j (a_j ∂_{a_j} L − b_j ∂_{b_j} L) = 0`` identically), and the one-parameter symmetry leaves the products
``c_j`` fixed — so the ``c_j`` are functions of the moments and ``T`` alone, and the conserved quantity picks the
point on the orbit. They have no closed form in general; :func:`fixed_point` solves the system (reduced flow, then
Newton). For exchangeable laws every ``c_j`` is Theorem 1's ``c*``.

The trained model predicts ``ŷ_t = diag(b̃) Ĝ_t diag(ã) x_t`` with ``Ĝ_t = (1/(t−1)) Σ_i x_{i+1} x_i^*``: one
gradient-descent step on ``L_OLS,t`` from ``W = 0`` preconditioned by ``diag(b̃)`` on the left and ``diag(ã)`` on
the right (entry ``(j, k)`` of the step scaled by ``b̃_j ã_k``; its diagonal by ``c_j``); it is vanilla GD only when
every ``ã_j`` and every ``b̃_j`` agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp
from scipy.optimize import root

from ..errors import Unavailable
from ..laws import Law
from .closed_form import harmonic

MAX_D = 10   # the solve is offered up to here: 6.8 s for `mesatheory laws --d 10`; at d = 64 the scales of `scaled`
             # span 1.25^63 ≈ 10^6 and the stiff 128-dimensional flow ran for minutes without converging


@dataclass(frozen=True)
class CoordinateMoments:
    """The exact moments the per-coordinate loss needs (SymPy numbers).

    Attributes:
        m2, k1, k2: ``E[x_j²], E[x_j⁴], E[x_j⁶]`` per coordinate.
        cross: ``M_jk = E[x_j² x_k⁴]`` (``d × d``, diagonal 0).
    """

    m2: Sequence[Any] | np.ndarray
    k1: Sequence[Any] | np.ndarray
    k2: Sequence[Any] | np.ndarray
    cross: Sequence[Sequence[Any]] | np.ndarray

    @classmethod
    def from_law(cls, law: Law, d: int) -> CoordinateMoments:
        """The moments of ``law`` in dimension ``d``, from its exact joint moments.

        Args:
            law: the law of ``x_1``.
            d: the dimension.

        Returns:
            The per-coordinate moments.
        """
        def e(powers: dict[int, int]) -> sp.Expr:
            return law.joint_moment([powers.get(i, 0) for i in range(d)])
        return cls(tuple(e({j: 2}) for j in range(d)), tuple(e({j: 4}) for j in range(d)),
                   tuple(e({j: 6}) for j in range(d)),
                   tuple(tuple(sp.Integer(0) if j == k else e({j: 2, k: 4}) for k in range(d)) for j in range(d)))

    @property
    def exchangeable(self) -> bool:
        """Whether every coordinate has the same ``m2, κ1, κ2``, ``κ3_j = Σ_k M_jk`` and ``κ̃3_j = Σ_k M_kj``."""
        d = len(self.m2)
        rows = [(self.m2[j], self.k1[j], self.k2[j], sp.Add(*self.cross[j]),
                 sp.Add(*(self.cross[k][j] for k in range(d)))) for j in range(d)]
        return all(sp.simplify(x - y) == 0 for row in rows[1:] for x, y in zip(row, rows[0]))

    def floats(self) -> CoordinateMoments:
        """The same moments as float64 arrays."""
        m2, k1, k2, cross = (np.array(v, dtype=float) for v in (self.m2, self.k1, self.k2, self.cross))
        return CoordinateMoments(m2, k1, k2, cross)


def reduced_loss(a: Any, b: Any, m: CoordinateMoments, n: Any, H: Any) -> Any:
    """``L(a, b)`` of the module docstring (SymPy symbols or numbers alike).

    Args:
        a, b: the diagonals ``(a_j)``, ``(b_j)``.
        m: the moments.
        n: ``T − 2``.
        H: ``H_{T−2}``.

    Returns:
        The loss.
    """
    d = len(a)
    return sum(n * (m.k2[j] * (a[j] * b[j])**2 - 2 * m.k1[j] * a[j] * b[j] + m.m2[j])
               + H * b[j]**2 * sum(a[k]**2 * m.cross[j][k] for k in range(d) if k != j) for j in range(d)) / 2


def reduced_gradient(a: Any, b: Any, m: CoordinateMoments, n: Any, H: Any) -> tuple[list[Any], list[Any]]:
    """``(∂L/∂a_j, ∂L/∂b_j)`` of the module docstring (SymPy symbols or numbers alike).

    Args:
        a, b: the diagonals.
        m: the moments.
        n: ``T − 2``.
        H: ``H_{T−2}``.

    Returns:
        The two lists of partial derivatives.
    """
    d = len(a)
    ga = [n * (m.k2[j] * a[j] * b[j]**2 - m.k1[j] * b[j])
          + H * a[j] * sum(b[k]**2 * m.cross[k][j] for k in range(d) if k != j) for j in range(d)]
    gb = [n * (m.k2[j] * a[j]**2 * b[j] - m.k1[j] * a[j])
          + H * b[j] * sum(a[k]**2 * m.cross[j][k] for k in range(d) if k != j) for j in range(d)]
    return ga, gb


@dataclass(frozen=True)
class FixedPoint:
    """The per-coordinate fixed point reached from ``(a_0, b_0)``: the diagonals and the products ``c_j``."""

    a: np.ndarray
    b: np.ndarray
    residual: float

    @property
    def c(self) -> np.ndarray:
        """``c_j = ã_j b̃_j``."""
        return self.a * self.b


def fixed_point(m: CoordinateMoments, T: int, a0: float, b0: float) -> FixedPoint:
    """The fixed point of the per-coordinate flow from ``a_j = a_0``, ``b_j = b_0``.

    The reduced ``2d``-dimensional flow (LSODA) brings the state near the limit; Newton (``scipy.optimize.root``)
    then solves ``∂L/∂a_j = 0`` (every ``j``), ``∂L/∂b_j = 0`` (``j < d``; the last is implied) and
    ``Σ_j (a_j² − b_j²) = d (a_0² − b_0²)`` (the conserved quantity).

    Args:
        m: the moments.
        T: the sequence length.
        a0, b0: the diagonal start.

    Returns:
        The fixed point, with the largest ``|∂L|`` there relative to the largest ``n κ1_j`` (``residual``).

    Raises:
        Unavailable: ``d`` exceeds :data:`MAX_D`.
    """
    if len(m.k1) > MAX_D:
        raise Unavailable(f"the per-coordinate fixed points are solved for d ≤ {MAX_D} (got d = {len(m.k1)}): "
                          "the coupled flow of 2d entries gets stiff as the scales spread")
    floats = m.floats()
    k1, k2, cross = (np.asarray(v) for v in (floats.k1, floats.k2, floats.cross))
    d, n, H = len(k1), float(T - 2), float(harmonic(T - 2))
    scale = n * float(np.max(np.abs(k1)))

    def grad(y: np.ndarray) -> np.ndarray:
        ga, gb = reduced_gradient(y[:d], y[d:], floats, n, H)
        return np.array(ga + gb)

    def settled(_t: float, y: np.ndarray) -> float:
        return float(np.max(np.abs(grad(y)))) / scale - 1e-6
    settled.terminal = True  # type: ignore[attr-defined]
    sol = solve_ivp(lambda _t, y: -grad(y), (0.0, 1e6 / scale), np.array([a0] * d + [b0] * d), method="LSODA",
                    rtol=1e-10, atol=1e-14, events=settled)
    conserved = d * (a0**2 - b0**2)

    def equations(y: np.ndarray) -> np.ndarray:
        g = grad(y) / scale
        return np.concatenate([g[:2 * d - 1], [(np.sum(y[:d]**2 - y[d:]**2) - conserved) / max(1.0, abs(conserved))]])

    polished = root(equations, sol.y[:, -1], method="hybr", tol=1e-15)
    y = polished.x
    return FixedPoint(y[:d], y[d:], float(np.max(np.abs(grad(y)))) / scale)


def vanilla_product(m: CoordinateMoments, T: int) -> float:
    """The best single product ``c`` with every ``a_j = b_j = √c`` (vanilla one-step GD, step ``c/(t−1)``).

    There :func:`reduced_loss` is ``½ Σ_j [n (κ2_j c² − 2κ1_j c + m2_j) + H c² Σ_{k≠j} M_jk]``, a quadratic in ``c``
    minimised at ``c = n Σ_j κ1_j / (n Σ_j κ2_j + H Σ_{j≠k} M_jk)``.

    Args:
        m: the moments.
        T: the sequence length.

    Returns:
        That product.
    """
    f = m.floats()
    n, H = T - 2, float(harmonic(T - 2))
    return float(n * np.sum(f.k1) / (n * np.sum(f.k2) + H * np.sum(f.cross)))


__all__ = ["MAX_D", "CoordinateMoments", "FixedPoint", "fixed_point", "reduced_gradient", "reduced_loss",
           "vanilla_product"]
