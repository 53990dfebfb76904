"""The built-in laws of ``x_1``: named families with exact parameters, defaults and constraints.

Each family builds a :class:`~mesatheory.laws.base.Law` from exact (rational) parameters: i.i.d. families from a
univariate SymPy random variable and a NumPy sampler, atomic families from their atoms in ``R^d``. The spec
grammar that names them (``gaussian:sigma=2``) is :mod:`mesatheory.laws.spec`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp
import sympy.stats as st

from .. import paper
from ..errors import LawError
from .base import AtomicLaw, IIDLaw, Law
from .joint import Equicorrelated, JointLaw, ScaleMixture, Sphere
from .scaled import ScaledGaussian

Constraint = tuple[Callable[[sp.Rational], bool], str]
_LOW, _HIGH = (sp.Rational(str(v)) for v in paper.PARAMETER_RANGE)
POSITIVE: Constraint = (lambda v: _LOW <= v <= _HIGH, f"positive, from {paper.PARAMETER_RANGE[0]:g} to "
                        f"{paper.PARAMETER_RANGE[1]:g}")
UNIT: Constraint = (lambda v: 0 <= v < 1, "in [0, 1)")


@dataclass(frozen=True)
class LawFamily:
    """A named family of laws: default parameters, their constraints, and a builder."""

    name: str
    summary: str
    defaults: Mapping[str, sp.Rational]
    constraints: Mapping[str, Constraint]
    build: Callable[[Mapping[str, sp.Rational]], Law]

    def make(self, **params: sp.Rational) -> Law:
        """The law with the given parameters (others at their defaults), checked against the constraints.

        Args:
            **params: parameter values by name (anything ``sympy.Rational`` accepts).

        Returns:
            The law.

        Raises:
            LawError: an unknown parameter, or a value outside its range.
        """
        full = dict(self.defaults)
        for key, value in params.items():
            if key not in self.defaults:
                accepted = ", ".join(self.defaults) or "none"
                raise LawError(f"law '{self.name}' has no parameter '{key}' (accepted: {accepted})")
            full[key] = sp.Rational(value)
        for key, (ok, text) in self.constraints.items():
            if not ok(full[key]):
                shown = str(full[key]) if len(str(full[key])) <= 24 else str(sp.N(full[key], 3))
                raise LawError(f"law '{self.name}': {key} must be {text}, got {shown}")
        return self.build(full)


def _iid(name: str, rv: Callable[[Mapping[str, sp.Rational]], sp.Expr],
         sampler: Callable[[Mapping[str, float]], Callable]) -> Callable[[Mapping[str, sp.Rational]], Law]:
    def build(p: Mapping[str, sp.Rational]) -> Law:
        if not all(v.is_number for v in p.values()):   # symbolic parameters (derive's symbolic copy): no sampler
            return IIDLaw(name=name, params=dict(p), rv=rv(p))
        floats = {k: float(v) for k, v in p.items()}
        return IIDLaw(name=name, params=dict(p), rv=rv(p), sampler=sampler(floats))
    return build


def _atomic(name: str, atoms: Callable[[Mapping[str, sp.Rational], int], list]) -> Callable:
    def build(p: Mapping[str, sp.Rational]) -> Law:
        frozen = dict(p)
        return AtomicLaw(name=name, params=frozen, atom_fn=_AtomFn(atoms, tuple(frozen.items())))
    return build


@dataclass(frozen=True)
class _AtomFn:
    """Hashable ``d -> atoms`` closure (so the atoms of a law are computed once per ``d``)."""

    fn: Callable[[Mapping[str, sp.Rational], int], list]
    params: tuple

    def __call__(self, d: int) -> list:
        return self.fn(dict(self.params), d)


def _sparse_atoms(p: Mapping[str, sp.Rational], d: int) -> list:
    """``x_1 = s·c·e_k`` with ``k`` uniform on ``1..d`` and a fair sign ``s``: ``2d`` atoms."""
    c = p["scale"]
    out = []
    for k in range(d):
        for s in (1, -1):
            out.append((sp.Rational(1, 2 * d), tuple(s * c if j == k else sp.Integer(0) for j in range(d))))
    return out


def _full_one_atoms(p: Mapping[str, sp.Rational], d: int) -> list:
    """``x_1 = c·1_d`` with probability one."""
    return [(sp.Integer(1), tuple(p["scale"] for _ in range(d)))]


def _rv(name: str, build: Callable[..., sp.Expr]) -> Callable[[Mapping[str, sp.Rational]], sp.Expr]:
    return lambda p: build(**p)


FAMILIES: dict[str, LawFamily] = {f.name: f for f in [
    LawFamily(
        "gaussian", "N(0, σ²) i.i.d. coordinates", {"sigma": sp.Integer(1)}, {"sigma": POSITIVE},
        _iid("gaussian", _rv("x", lambda sigma: st.Normal("x", 0, sigma)),
             lambda f: lambda rng, n, d: f["sigma"] * rng.standard_normal((n, d)))),
    LawFamily(
        "uniform", "uniform on [-width/2, width/2], i.i.d.", {"width": sp.Integer(2)}, {"width": POSITIVE},
        _iid("uniform", _rv("x", lambda width: st.Uniform("x", -width / 2, width / 2)),
             lambda f: lambda rng, n, d: rng.uniform(-f["width"] / 2, f["width"] / 2, (n, d)))),
    LawFamily(
        "laplace", "Laplace(0, scale), i.i.d.", {"scale": sp.Integer(1)}, {"scale": POSITIVE},
        _iid("laplace", _rv("x", lambda scale: st.Laplace("x", 0, scale)),
             lambda f: lambda rng, n, d: rng.laplace(0.0, f["scale"], (n, d)))),
    LawFamily(
        "rademacher", "±scale with probability 1/2 each, i.i.d.", {"scale": sp.Integer(1)},
        {"scale": POSITIVE},
        _iid("rademacher",
             _rv("x", lambda scale: st.FiniteRV("x", {-scale: sp.Rational(1, 2), scale: sp.Rational(1, 2)})),
             lambda f: lambda rng, n, d: f["scale"] * (2.0 * rng.integers(0, 2, (n, d)) - 1.0))),
    LawFamily(
        "student_t", "scale · t(ν), i.i.d. (Assumption 2 needs ν > 6)",
        {"nu": sp.Integer(16), "scale": sp.Integer(1)}, {"nu": POSITIVE, "scale": POSITIVE},
        _iid("student_t", _rv("x", lambda nu, scale: scale * st.StudentT("x", nu)),
             lambda f: lambda rng, n, d: f["scale"] * rng.standard_t(f["nu"], (n, d)))),
    LawFamily(
        "exponential_centered", "Exp(rate) − 1/rate: skewed, zero mean, i.i.d.", {"rate": sp.Integer(1)},
        {"rate": POSITIVE},
        _iid("exponential_centered", _rv("x", lambda rate: st.Exponential("x", rate) - 1 / rate),
             lambda f: lambda rng, n, d: rng.exponential(1.0 / f["rate"], (n, d)) - 1.0 / f["rate"])),
    LawFamily(
        "sparse", "±scale·e_k, k uniform (one non-zero coordinate; not i.i.d.)", {"scale": sp.Integer(1)},
        {"scale": POSITIVE}, _atomic("sparse", _sparse_atoms)),
    LawFamily(
        "full_one", "scale·1_d (deterministic; violates Assumption 2)", {"scale": sp.Integer(1)},
        {"scale": POSITIVE}, _atomic("full_one", _full_one_atoms)),
]}

def _joint(name: str, kind: type[JointLaw]) -> Callable[[Mapping[str, sp.Rational]], Law]:
    return lambda p: kind(name=name, params=dict(p))


FAMILIES.update({f.name: f for f in [
    LawFamily(
        "scale_mixture", "R·g, g ~ N(0, I), R² ~ Gamma(shape, scale): exchangeable, dependent",
        {"shape": sp.Integer(4), "scale": sp.Rational(1, 4)}, {"shape": POSITIVE, "scale": POSITIVE},
        _joint("scale_mixture", ScaleMixture)),
    LawFamily(
        "equicorrelated", "Gaussian, variances σ², correlation ρ ∈ [0, 1) (violates Assumption 2 for ρ > 0)",
        {"rho": sp.Rational(1, 2), "sigma": sp.Integer(1)}, {"rho": UNIT, "sigma": POSITIVE},
        _joint("equicorrelated", Equicorrelated)),
    LawFamily(
        "sphere", "uniform on the sphere of radius r in R^d: exchangeable, dependent", {"radius": sp.Integer(1)},
        {"radius": POSITIVE}, _joint("sphere", Sphere)),
    LawFamily(
        "scaled", "independent N(0, σ_j²), σ_j = σ·ratio^(j−1): not exchangeable (violates Assumption 2 for ratio ≠ 1)",
        {"sigma": sp.Integer(1), "ratio": sp.Rational(5, 4)}, {"sigma": POSITIVE, "ratio": POSITIVE},
        _joint("scaled", ScaledGaussian)),
]})


def builtin_laws() -> list[Law]:
    """Every built-in family at its default parameters.

    Returns:
        One law per family of :data:`FAMILIES`, in registry order.
    """
    return [family.make() for family in FAMILIES.values()]


__all__ = ["FAMILIES", "LawFamily", "builtin_laws"]
