"""The law-spec grammar ``name:key=value,...`` that names a built-in law, parsed without ``eval``.

Grammar (our own; user text is never passed to ``eval``, ``sympify`` or ``parse_expr``)::

    spec   := name [ ":" pair ( "," pair )* ]
    pair   := key "=" number
    number := decimal (``2``, ``-0.5``, ``1e-3``) | fraction (``1/3``)

Numbers become exact rationals (``0.1`` is ``1/10``), so every moment stays exact.
"""

from __future__ import annotations

import re
from fractions import Fraction

import sympy as sp

from .. import paper
from ..errors import LawError
from .base import Law
from .builtins import FAMILIES, LawFamily

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z", re.ASCII)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/\d+)?\Z", re.ASCII)   # ASCII digits only


def parse_number(text: str) -> sp.Rational:
    """An exact rational from a decimal or fraction literal.

    Args:
        text: ``2``, ``-0.5``, ``1e-3`` or ``1/3`` (surrounding spaces are ignored).

    Returns:
        The exact value (``0.1`` is ``1/10``).

    Raises:
        LawError: ``text`` is not such a literal.
    """
    text = text.strip()
    if len(text) > paper.NUMBER_DIGITS:
        raise LawError(f"'{text[:20]}…' is too long for a number ({len(text)} characters; at most "
                       f"{paper.NUMBER_DIGITS})")
    if not _NUMBER.match(text):
        raise LawError(f"'{text}' is not a number (use e.g. 2, 0.5, 1e-3 or 1/3)")
    num, _, den = text.partition("/")
    mantissa, _, exponent = num.lower().partition("e")
    if exponent and abs(int(exponent)) > 400:
        raise LawError(f"'{text}': the exponent is out of range (use |exponent| ≤ 400)")
    if den and int(den) == 0:
        raise LawError(f"'{text}': division by zero")
    value = Fraction(num) / (Fraction(den) if den else 1)
    return sp.Rational(value.numerator, value.denominator)


def get_law(spec: str | Law) -> Law:
    """The law named by ``spec`` (``"gaussian"``, ``"gaussian:sigma=2"``, ``"student_t:nu=8,scale=1/2"``).

    Args:
        spec: a spec string, or a law (returned as it is).

    Returns:
        The built-in law with the given parameters (the others at their defaults).

    Raises:
        LawError: unknown name or parameter, malformed value, or a value outside its range; the message
            is one line naming what is accepted.
    """
    if isinstance(spec, Law):
        return spec
    if not isinstance(spec, str):
        raise LawError(f"a law is a spec string such as 'gaussian:sigma=2' or a Law, got {type(spec).__name__}")
    name, sep, rest = spec.strip().partition(":")
    name = name.strip()
    if name not in FAMILIES:
        raise LawError(f"unknown law '{name}' (accepted: {', '.join(FAMILIES)})")
    family = FAMILIES[name]
    params: dict[str, sp.Rational] = {}
    if sep:
        if not rest.strip():
            raise LawError(f"'{spec}': nothing after ':' (expected key=value, e.g. {_example(family)})")
        for pair in rest.split(","):
            key, eq, value = pair.partition("=")
            key = key.strip()
            if not eq or not _NAME.match(key):
                raise LawError(f"'{pair.strip()}' is not key=value (e.g. {_example(family)})")
            if key in params:
                raise LawError(f"parameter '{key}' given twice in '{spec}'")
            if key not in family.defaults:
                accepted = ", ".join(family.defaults) or "none"
                raise LawError(f"law '{name}' has no parameter '{key}' (accepted: {accepted})")
            params[key] = parse_number(value)
    return family.make(**params)


def _example(family: LawFamily) -> str:
    return f"{family.name}:" + ",".join(f"{k}={v}" for k, v in family.defaults.items())


__all__ = ["get_law", "parse_number"]
