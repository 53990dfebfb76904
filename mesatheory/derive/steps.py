"""One step of a derivation, kept as data so a report can print it and a JSON file can carry it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter


class _Printer(LatexPrinter):
    """SymPy's LaTeX, with the moment symbol ``M[p]`` printed as ``E[x_1^{p_1} ⋯ x_d^{p_d}]``."""

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        if str(expr.base.label) != "M":
            return super()._print_Indexed(expr)
        factors = [f"x_{{{j + 1}}}" + (f"^{{{p}}}" if p != 1 else "")
                   for j, p in enumerate(int(q) for q in expr.indices) if p]
        return r"\mathbb{E}[" + " ".join(factors or ["1"]) + "]"

    def _print_harmonic(self, expr: sp.Expr, exp: str | None = None) -> str:
        n = self._print(expr.args[0])
        order = f"^{{({self._print(expr.args[1])})}}" if len(expr.args) > 1 and expr.args[1] != 1 else ""
        out = f"H_{{{n}}}{order}"
        return f"\\left({out}\\right)^{{{exp}}}" if exp else out


def tex(expr: Any) -> str:
    """LaTeX for a report (moments as expectations).

    Args:
        expr: a SymPy object.

    Returns:
        SymPy's LaTeX, with each moment symbol ``M[p]`` printed as ``E[x_1^{p_1} ⋯ x_d^{p_d}]`` and harmonic
        numbers as ``H_n``.
    """
    return _Printer().doprint(expr)


@dataclass(frozen=True)
class Result:
    """A derived expression with its name (LaTeX for the left-hand side); ``more`` holds extra columns."""

    name: str
    expr: sp.Basic
    more: tuple[sp.Basic, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON data.

        Returns:
            ``{"name", "string", "latex"}`` and, with extra columns, ``"more"`` (each as string and LaTeX).
        """
        out: dict[str, Any] = {"name": self.name, "string": sp.sstr(self.expr), "latex": tex(self.expr)}
        if self.more:
            out["more"] = [{"string": sp.sstr(e), "latex": tex(e)} for e in self.more]
        return out


@dataclass(frozen=True)
class Step:
    """A step: what it says in words, what SymPy produced, how it was checked, and for which sizes.

    Attributes:
        key: stable identifier (``"loss.per_t"``), used in JSON.
        title: a short heading.
        statement: the claim of the step in words (Markdown, inline maths ``$…$``).
        results: the derived expressions.
        check: how the result was checked (the symbolic identity that simplified to 0, the tests).
        scope: what was symbolic and what was explicit (``"symbolic t; d = 1, 2, 3"``).
        holds: whether the step's identity held (``None`` for purely descriptive steps).
        notes: further remarks (caveats, discrepancies with docs/paper.md).
        columns: headers when the results are shown as a table (``name``, ``expr``, ``*more``).
        figure: raw Markdown shown after the results (e.g. a Mermaid chart, which GitHub renders).
    """

    key: str
    title: str
    statement: str
    results: tuple[Result, ...]
    check: str
    scope: str
    holds: bool | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    columns: tuple[str, ...] = ()
    figure: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The step as JSON data (the ``steps`` entries of a report's JSON file).

        Returns:
            ``{"key", "title", "statement", "results", "check", "scope", "holds", "notes"}``.
        """
        return {"key": self.key, "title": self.title, "statement": self.statement,
                "results": [r.to_dict() for r in self.results], "check": self.check, "scope": self.scope,
                "holds": self.holds, "notes": list(self.notes)}
