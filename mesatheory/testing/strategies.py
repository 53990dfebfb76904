"""Hypothesis strategies for the inputs of the paper's claims: laws of ``x_1`` and settings ``(d, T, a_0, b_0)``.

Every law strategy draws exact (rational) parameters, so the κ's stay exact and a failing example shrinks to a
readable one. Built-in laws are drawn as spec strings (:func:`builtin_specs`), which pickle and can be sent to
worker processes; :func:`laws` builds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import sympy as sp
import sympy.stats as st
from hypothesis import strategies as hs

from .. import paper
from ..claims.base import Setting
from ..laws import FAMILIES, Law, get_law, law_from_sympy

FACTORS = (Fraction(1, 2), Fraction(3, 4), Fraction(1), Fraction(3, 2), Fraction(2))
"""Multiples of a family's default parameter that the built-in strategy draws (scales within 4× of each other)."""


def _rational(f: Fraction) -> sp.Rational:
    return sp.Rational(f.numerator, f.denominator)


def _spec(name: str, values: dict[str, Fraction]) -> str:
    return name + (":" + ",".join(f"{k}={v}" for k, v in values.items()) if values else "")


def builtin_specs(families: Iterable[str] | None = None) -> hs.SearchStrategy[str]:
    """Spec strings of built-in laws, each parameter a multiple in :data:`FACTORS` of its default (within its range).

    Args:
        families: the family names to draw from (default: every built-in, :data:`mesatheory.laws.FAMILIES`).

    Returns:
        A strategy of specs such as ``"laplace:scale=3/2"`` or ``"student_t:nu=24,scale=1/2"``.

    Raises:
        KeyError: a name that is not a built-in family.
    """
    names = list(FAMILIES) if families is None else [FAMILIES[name].name for name in families]

    def family_specs(name: str) -> hs.SearchStrategy[str]:
        family = FAMILIES[name]
        defaults = family.defaults

        def allowed(key: str) -> list[Fraction]:
            ok = family.constraints[key][0] if key in family.constraints else (lambda v: True)
            return [f for f in FACTORS if ok(sp.Rational(str(Fraction(str(defaults[key])) * f)))]

        factors = hs.fixed_dictionaries({key: hs.sampled_from(allowed(key)) for key in defaults})
        return factors.map(lambda f: _spec(name, {k: Fraction(str(defaults[k])) * f[k] for k in defaults}))

    return hs.sampled_from(names).flatmap(family_specs)


def finite_symmetric_laws(max_atoms: int = 3) -> hs.SearchStrategy[Law]:
    """i.i.d. laws uniform on ``{±v_1, …, ±v_k}`` (and maybe 0), with rational ``v_i`` in ``[1/4, 3]``.

    Symmetric, so every odd moment is 0 and Assumption 2 holds; the recovery category depends on the atoms
    (one magnitude: asymptotic or exact recovery; several: never).

    Args:
        max_atoms: the most distinct magnitudes ``v_i``.

    Returns:
        A strategy of :class:`~mesatheory.laws.IIDLaw` built with ``sympy.stats.FiniteRV``.
    """
    magnitudes = hs.lists(hs.fractions(min_value=Fraction(1, 4), max_value=3, max_denominator=8), min_size=1,
                          max_size=max_atoms, unique=True)

    def build(values: list[Fraction], with_zero: bool) -> Law:
        points = [_rational(v) for v in values] + [-_rational(v) for v in values]
        points += [sp.Integer(0)] if with_zero else []
        return law_from_sympy(st.FiniteRV("f", {p: sp.Rational(1, len(points)) for p in points}))

    return hs.builds(build, magnitudes, hs.booleans())


def sympy_laws() -> hs.SearchStrategy[Law]:
    """i.i.d. laws from univariate SymPy random variables with drawn rational parameters (:func:`law_from_sympy`).

    Centred Normal, Uniform and Laplace variables, a centred symmetric Beta, and a centred Exponential (skewed:
    Assumption 2 holds, yet its ``E[x_j³ x_k³] ≠ 0`` moves the flow off the diagonal, docs/findings.md).

    Returns:
        A strategy of :class:`~mesatheory.laws.IIDLaw` whose moments SymPy computes.
    """
    scale = hs.sampled_from(FACTORS).map(_rational)
    builders = [
        lambda s: st.Normal("x", 0, s),
        lambda s: st.Uniform("x", -s, s),
        lambda s: st.Laplace("x", 0, s),
        lambda s: s * (st.Beta("x", 2, 2) - sp.Rational(1, 2)),
        lambda s: st.Exponential("x", 1 / s) - s,
    ]
    return hs.builds(lambda build, s: law_from_sympy(build(s)), hs.sampled_from(builders), scale)


def laws() -> hs.SearchStrategy[Law]:
    """Any law the strategies of this module draw: built-in, finite symmetric or SymPy.

    Returns:
        A strategy of :class:`~mesatheory.laws.Law`.
    """
    return hs.one_of(builtin_specs().map(get_law), finite_symmetric_laws(), sympy_laws())


def dims(max_d: int = 3) -> hs.SearchStrategy[int]:
    """Dimensions ``d`` of ``x_1``.

    Args:
        max_d: the largest ``d`` (the exact routes' cost grows as ``d⁴``).

    Returns:
        A strategy of integers ``1..max_d``.
    """
    return hs.integers(1, max_d)


def lengths(max_T: int = 12) -> hs.SearchStrategy[int]:
    """Sequence lengths ``T`` (the loss runs over ``t = 2..T−1``, so ``T ≥ 3``).

    Args:
        max_T: the largest ``T``.

    Returns:
        A strategy of integers ``3..max_T``.
    """
    return hs.integers(3, max_T)


def inits() -> hs.SearchStrategy[tuple[float, float]]:
    """Diagonal initialisations ``(a_0, b_0)`` (Assumption 1) away from the saddle line ``a_0 + b_0 = 0``.

    Returns:
        A strategy of pairs of dyadic floats in ``[−1, 1]`` with ``a_0 + b_0 ≠ 0``; the paper's ``(0.1, 0.1)`` is
        the simplest example.
    """
    value = hs.integers(-8, 8).map(lambda k: k / 8)
    pairs = hs.tuples(value, value).filter(lambda ab: ab[0] + ab[1] != 0)
    return hs.just((paper.A0, paper.B0)) | pairs


def claim_settings(law: hs.SearchStrategy[Law] | None = None, d: hs.SearchStrategy[int] | None = None,
                   T: hs.SearchStrategy[int] | None = None, init: hs.SearchStrategy[tuple[float, float]] | None = None,
                   samples: int = 2048) -> hs.SearchStrategy[Setting]:
    """Settings of a claim check: a law, ``d``, ``T``, ``(a_0, b_0)``, a Monte-Carlo budget and a seed.

    Args:
        law: the law strategy (default :func:`laws`).
        d: the dimension strategy (default :func:`dims`, ``1..3``).
        T: the sequence-length strategy (default :func:`lengths`, ``3..12``).
        init: the initialisation strategy (default :func:`inits`).
        samples: the Monte-Carlo sequences per setting.

    Returns:
        A strategy of :class:`~mesatheory.claims.base.Setting`, for ``check(setting)`` of any claim.
    """
    return hs.builds(
        lambda x1, dim, length, ab, seed: Setting(law=x1, d=dim, T=length, a0=ab[0], b0=ab[1], samples=samples,
                                                  seed=seed),
        laws() if law is None else law, dims() if d is None else d, lengths() if T is None else T,
        inits() if init is None else init, hs.integers(0, 2**31 - 1))
