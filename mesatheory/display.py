"""Rich display in notebooks (IPython's ``_repr_html_``, ``_repr_markdown_``, ``_repr_latex_`` protocol).

* a :class:`~mesatheory.VerifyResult` shows as its verdict table — verdicts coloured, each claim's reason and
  evidence folded in a ``<details>`` — or as a Markdown table;
* a :class:`~mesatheory.laws.Law` shows as LaTeX: its name, exact parameters and, for i.i.d. laws, the coordinate's
  SymPy distribution. (SymPy numbers, such as :func:`mesatheory.theorem1_product`, display as LaTeX themselves.)
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

import sympy as sp
import sympy.stats as st

from .table import cell, summary_line, verdict_word

if TYPE_CHECKING:
    from .laws import Law
    from .verify import VerifyResult

COLOURS = {True: "#1a7f37", False: "#cf222e", None: "#6e7781"}   # GitHub's green, red, grey


def _header(result: VerifyResult) -> str:
    s, k = result.setting, result.setting.kappas
    return (f"law {s.law.spec}, d = {s.d}, T = {s.T}, (a0, b0) = ({s.a0:g}, {s.b0:g}), {s.samples} samples, "
            f"seed {s.seed}; m2 = {k.m2}, κ1 = {k.k1}, κ2 = {k.k2}, κ3 = {k.k3}")


def verify_html(result: VerifyResult) -> str:
    """The verdict table as HTML: one row per claim, the verdict coloured, reason and evidence in ``<details>``.

    Args:
        result: the result of :func:`mesatheory.verify`.

    Returns:
        An HTML fragment.
    """
    rows = []
    for v in result.claims:
        evidence = html.escape(json.dumps(v.to_dict()["evidence"], ensure_ascii=False, indent=1, default=str))
        details = (f"<details><summary>{html.escape(v.reason or v.method)}</summary><p>method: "
                   f"{html.escape(v.method)}</p><pre>{evidence}</pre></details>")
        cells = [f"<code>{html.escape(v.id)}</code>", html.escape(v.paper), html.escape(cell(v.expected)),
                 html.escape(cell(v.measured)), html.escape(cell(v.tolerance)),
                 f'<b style="color:{COLOURS[v.passed]}">{verdict_word(v)}</b>', details]
        rows.append("<tr>" + "".join(f'<td style="text-align:left">{c}</td>' for c in cells) + "</tr>")
    head = "".join(f'<th style="text-align:left">{h}</th>' for h in
                   ["claim", "paper", "expected", "measured", "tolerance", "verdict", "reason and evidence"])
    colour = COLOURS[False if not result.passed else True if result.decided else None]
    return (f"<div><p>mesatheory verify — {html.escape(_header(result))}</p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p style=\"color:{colour}\"><b>"
            f"{html.escape(summary_line(result))}</b></p></div>")


def verify_markdown(result: VerifyResult) -> str:
    """The verdict table as Markdown (verdicts in bold, reasons in the last column).

    Args:
        result: the result of :func:`mesatheory.verify`.

    Returns:
        Markdown text.
    """

    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"**mesatheory verify** — {esc(_header(result))}", "",
             "| claim | paper | expected | measured | tolerance | verdict | reason |", "|---|---|---|---|---|---|---|"]
    lines += [f"| `{v.id}` | {esc(v.paper)} | {esc(cell(v.expected))} | {esc(cell(v.measured))} | "
              f"{esc(cell(v.tolerance))} | **{verdict_word(v)}** | {esc(v.reason)} |" for v in result.claims]
    return "\n".join([*lines, "", f"**{summary_line(result)}**"])


def law_latex(law: Law) -> str:
    """The law in LaTeX: ``x_1 ∼ name(params)``, and for an i.i.d. law its coordinate's SymPy distribution.

    Args:
        law: the law.

    Returns:
        A ``$…$`` LaTeX string.
    """
    params = ", ".join(f"{sp.latex(sp.Symbol(k))} = {sp.latex(v)}" for k, v in law.params.items())
    name = law.name.replace("_", r"\_")
    parts = [rf"x_1 \sim \text{{{name}}}" + (rf"\left({params}\right)" if params else "")]
    rv = getattr(law, "rv", None)
    if rv is not None:
        parts = parts if law.params else []      # a SymPy law's name is its expression: shown below
        (symbol,) = st.random_symbols(rv)
        if isinstance(st.pspace(symbol), st.frv.SingleFinitePSpace):
            atoms = ", ".join(rf"{sp.latex(v)}: {sp.latex(p)}" for v, p in st.density(rv).dict.items())
            parts.append(rf"x_{{1,j}} \overset{{\text{{iid}}}}{{\sim}} \{{{atoms}\}}")
        else:
            dist = st.pspace(symbol).distribution
            shown = type(dist).__name__.removesuffix("Distribution")
            args = ", ".join(sp.latex(a) for a in dist.args)
            parts.append(rf"x_{{1,j}} \overset{{\text{{iid}}}}{{\sim}} {sp.latex(rv)},\ {sp.latex(symbol)} \sim "
                         rf"\operatorname{{{shown}}}\left({args}\right)")
    return "$" + r",\quad ".join(parts) + "$"
