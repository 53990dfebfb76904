"""Joint laws of ``x_1``: laws given by their exact joint moments, each built from independent Gaussians.

Here: exchangeable laws with dependent coordinates; :mod:`.scaled` adds a non-exchangeable one.

Each law is a map of independent standard Gaussians (and, for the mixture, one scalar ``R``), which gives its
exact joint moments, its sampler and an exact rule for the population route:

* :class:`ScaleMixture` — ``x_1 = R·g``, ``g ~ N(0, I_d)``, ``R² ~ Gamma(shape k, scale θ)`` independent of ``g``:
  ``E[∏ x_j^{p_j}] = E[R^{|p|}] ∏_j E[g^{p_j}]`` with ``E[R^m] = θ^{m/2} Γ(k + m/2)/Γ(k)``.
* :class:`Equicorrelated` — ``x_1 = σ(√ρ z_0 1 + √(1−ρ) z)``, ``z_0 ~ N(0, 1)``, ``z ~ N(0, I_d)``: the Gaussian
  with unit-``σ²`` variances and correlation ``ρ ∈ [0, 1)``. Given ``z_0`` the coordinates are independent, so a
  joint moment is ``E_{z_0}[∏_j E[(a z_0 + b z)^{p_j} | z_0]]``, a polynomial in ``z_0`` averaged exactly.
* :class:`Sphere` — ``x_1 = r·g/|g|``, uniform on the sphere of radius ``r``; ``|g|`` and ``g/|g|`` are
  independent, so ``E[∏ x_j^{p_j}] = r^{|p|} ∏_j E[g^{p_j}] / E[|g|^{|p|}]`` with
  ``E[|g|^k] = 2^{k/2} Γ((d+k)/2)/Γ(d/2)``.

Assumption 2 (:meth:`JointLaw.assumption2`): the mixture and the sphere are invariant under ``x_j → −x_j`` for
each ``j``, so every moment with an odd power vanishes — in particular each ``E[x_{i_1} x_{i_2}^{r_2} ⋯]`` — and
they are exchangeable, so the κ's agree across coordinates: it holds, with κ's from the joint moments
(``κ3 = (d−1) E[x_1² x_2⁴]`` is *not* ``(d−1) E[x²] E[x⁴]``). The equicorrelated Gaussian has
``E[x_1 x_2] = ρσ² ≠ 0`` for ``ρ > 0``: it breaks Assumption 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..errors import Unavailable
from .base import Law

GAUSS_NODES = 4   # per Gaussian factor: exact to degree 7, above the degree 6 of the population statistics


def gaussian_moment(p: int) -> sp.Integer:
    """``E[g^p]`` of a standard Gaussian: ``(p − 1)!!`` for even ``p``, 0 for odd ``p``.

    Args:
        p: the power.

    Returns:
        The exact moment.
    """
    return sp.Integer(0) if p % 2 else sp.factorial2(p - 1)


def _hermite_rule() -> tuple[np.ndarray, np.ndarray]:
    """The ``GAUSS_NODES``-point Gauss–Hermite rule of ``N(0, 1)`` (weights summing to 1)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(GAUSS_NODES)
    return nodes, weights / weights.sum()


def product_rule(k: int) -> tuple[np.ndarray, np.ndarray]:
    """The product Gauss–Hermite rule of ``N(0, I_k)``: points ``(q, k)``, weights ``(q,)``."""
    nodes, weights = _hermite_rule()
    grids = np.meshgrid(*([nodes] * k), indexing="ij")
    wgrids = np.meshgrid(*([weights] * k), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1), np.prod([w.ravel() for w in wgrids], axis=0)


@dataclass(frozen=True, eq=False, repr=False)
class JointLaw(Law):
    """A law given by its exact joint moments (see the module docstring); subclasses give the maths.

    The default :meth:`assumption2` is that of the sign-symmetric exchangeable laws here; a subclass that is not
    exchangeable overrides it.
    """

    def assumption2(self, d: int) -> tuple[bool, str]:
        """Assumption 2 decided from the law's symmetry and its exact joint moments.

        Args:
            d: the dimension.

        Returns:
            ``(holds, reason)``.
        """
        if d >= 2:
            pair = self.joint_moment((1, 1) + (0,) * (d - 2))
            if pair != 0:
                return False, f"E[x_1 x_2] = {pair} ≠ 0"
        return True, ("the law is invariant under x_j → −x_j for each j, so every moment with an odd power vanishes; "
                      "the coordinates are exchangeable, so the κ's agree")

    def rule(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """An exact rule for polynomials of total degree ≤ 7 in ``x_1``: points ``(q, d)`` and weights ``(q,)``.

        Args:
            d: the dimension.

        Returns:
            The rule.

        Raises:
            Unavailable: the law has no such rule here.
        """
        raise Unavailable(f"{self.spec}: no exact cubature rule for this joint law")


@dataclass(frozen=True, eq=False, repr=False)
class ScaleMixture(JointLaw):
    """``x_1 = R·g`` with ``R² ~ Gamma(shape, scale)`` (parameters ``shape``, ``scale``)."""

    def radial_moment(self, m: int) -> sp.Expr:
        """``E[R^m] = θ^{m/2} Γ(k + m/2)/Γ(k)``.

        Args:
            m: the power.

        Returns:
            The exact moment.
        """
        k, theta = self.params["shape"], self.params["scale"]
        half = sp.Rational(m, 2)
        return sp.simplify(theta**half * sp.gamma(k + half) / sp.gamma(k))

    def joint_moment(self, exponents: Sequence[int]) -> sp.Expr:
        """``E[R^{|p|}] ∏_j E[g^{p_j}]``.

        Args:
            exponents: the powers ``(p_1, …, p_d)``.

        Returns:
            The exact moment.
        """
        gauss = sp.Mul(*[gaussian_moment(p) for p in exponents])
        return gauss * self.radial_moment(sum(exponents)) if gauss != 0 else sp.Integer(0)

    def sample(self, rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        """``R·g`` with ``R = √(Gamma(k, θ))`` (``(n, d)`` draws, as :meth:`Law.sample`)."""
        radius = np.sqrt(rng.gamma(float(self.params["shape"]), float(self.params["scale"]), n))
        return radius[:, None] * rng.standard_normal((n, d))

    def rule(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """The Gauss rule of ``R`` (from its exact moments) times the product Gauss–Hermite rule of ``g``.

        Args:
            d: the dimension.

        Returns:
            Points ``r_i g_k`` with weights ``u_i v_k``.
        """
        from ..routes.cubature import gauss_rule_from_moments
        radii, radial = gauss_rule_from_moments([self.radial_moment(m) for m in range(2 * GAUSS_NODES + 1)],
                                                GAUSS_NODES)
        points, weights = product_rule(d)
        return ((radii[:, None, None] * points[None]).reshape(-1, d),
                (radial[:, None] * weights[None]).ravel())


@dataclass(frozen=True, eq=False, repr=False)
class Equicorrelated(JointLaw):
    """The Gaussian with variances ``σ²`` and every correlation ``ρ ∈ [0, 1)`` (parameters ``rho``, ``sigma``)."""

    def _loadings(self) -> tuple[sp.Expr, sp.Expr]:
        rho, sigma = self.params["rho"], self.params["sigma"]
        return sigma * sp.sqrt(rho), sigma * sp.sqrt(1 - rho)

    def joint_moment(self, exponents: Sequence[int]) -> sp.Expr:
        """``E_{z_0}[∏_j Σ_k C(p_j, k) a^k z_0^k b^{p_j−k} E[z^{p_j−k}]]`` with ``a = σ√ρ``, ``b = σ√(1−ρ)``.

        Args:
            exponents: the powers ``(p_1, …, p_d)``.

        Returns:
            The exact moment.
        """
        a, b = self._loadings()
        z0 = sp.Dummy("z0")
        conditional = sp.Poly(1, z0)
        for p in (p for p in exponents if p):
            conditional *= sp.Poly(sum(sp.binomial(p, k) * a**k * z0**k * b ** (p - k) * gaussian_moment(p - k)
                                       for k in range(p + 1)), z0)
        return sp.expand(sum(c * gaussian_moment(m) for (m,), c in conditional.terms()))

    def sample(self, rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        """``a z_0 1 + b z`` (``(n, d)`` draws, as :meth:`Law.sample`)."""
        a, b = (float(v) for v in self._loadings())
        return a * rng.standard_normal((n, 1)) + b * rng.standard_normal((n, d))

    def rule(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """The product Gauss–Hermite rule of ``(z_0, z)`` mapped by ``x = a z_0 1 + b z``.

        Args:
            d: the dimension.

        Returns:
            The rule (``GAUSS_NODES^{d+1}`` points).
        """
        a, b = (float(v) for v in self._loadings())
        points, weights = product_rule(d + 1)
        return a * points[:, :1] + b * points[:, 1:], weights


@dataclass(frozen=True, eq=False, repr=False)
class Sphere(JointLaw):
    """Uniform on the sphere of radius ``r`` in ``R^d`` (parameter ``radius``)."""

    def joint_moment(self, exponents: Sequence[int]) -> sp.Expr:
        """``r^{|p|} ∏_j E[g^{p_j}] / E[|g|^{|p|}]``, ``E[|g|^k] = 2^{k/2} Γ((d+k)/2)/Γ(d/2)``.

        Args:
            exponents: the powers ``(p_1, …, p_d)``.

        Returns:
            The exact moment.
        """
        d, k = len(exponents), sum(exponents)
        gauss = sp.Mul(*[gaussian_moment(p) for p in exponents])
        if gauss == 0:
            return sp.Integer(0)
        norm = 2 ** sp.Rational(k, 2) * sp.gamma(sp.Rational(d + k, 2)) / sp.gamma(sp.Rational(d, 2))
        return sp.simplify(self.params["radius"] ** k * gauss / norm)

    def sample(self, rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        """``r·g/|g|`` (``(n, d)`` draws, as :meth:`Law.sample`)."""
        g = rng.standard_normal((n, d))
        return float(self.params["radius"]) * g / np.linalg.norm(g, axis=1, keepdims=True)

    def rule(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """Declined: the population statistics mix degrees 2, 4 and 6, and no product rule here is exact for them.

        Args:
            d: the dimension.

        Raises:
            Unavailable: always, with the reason.
        """
        raise Unavailable("the uniform law on the sphere has no exact product rule here (|g| and g/|g| do not "
                          "factor a polynomial rule); the exact κ's, the ODE and Monte Carlo decide Theorem 1")


__all__ = ["Equicorrelated", "JointLaw", "ScaleMixture", "Sphere", "gaussian_moment", "product_rule"]
