"""Plain-text rendering of a verify result: a header, the verdict table, and the reasons."""

from __future__ import annotations

from typing import Any

from .verify import VerifyResult

VERDICT_WORDS = {True: "PASS", False: "FAIL", None: "n/a"}


def cell(value: Any) -> str:
    """A table cell: ``—`` for no value, floats to 10 significant digits, anything else as text."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def verdict_word(claim: Any) -> str:
    """The verdict column: PASS/FAIL/n/a (holds/violated for Assumption 2)."""
    if claim.id == "assumption2":
        return "holds" if claim.passed else "violated"
    return VERDICT_WORDS[claim.passed]


def render(result: VerifyResult) -> str:
    """The human-readable report of ``mesatheory verify``.

    Args:
        result: the result of :func:`mesatheory.verify`.

    Returns:
        A header with the setting and the exact moments, the verdict table, each claim's reason, and the count
        of applicable claims that hold or fail.
    """
    s = result.setting
    k = s.kappas
    lines = [
        f"mesatheory verify — law {s.law.spec}, d = {s.d}, T = {s.T}, (a0, b0) = ({s.a0:g}, {s.b0:g}), "
        f"{s.samples} samples, seed {s.seed}",
        "exact moments: " + ", ".join(f"{name} = {v}" for name, v in
                                      [("m2", k.m2), ("κ1", k.k1), ("κ2", k.k2), ("κ3", k.k3)]),
        "",
    ]
    header = ["claim", "paper", "expected", "measured", "tolerance", "verdict"]
    rows = [[c.id, c.paper, cell(c.expected), cell(c.measured), cell(c.tolerance), verdict_word(c)]
            for c in result.claims]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    for row in [header, ["─" * w for w in widths]] + rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    lines.append("")
    for c in result.claims:
        if c.reason:
            lines.append(f"  {c.id}: {c.reason}")
    lines += ["", summary_line(result)]
    return "\n".join(lines)


def summary_line(result: VerifyResult) -> str:
    """The last line of the report: what failed, that no claim was decided, or how many hold.

    Args:
        result: the result of :func:`mesatheory.verify`.

    Returns:
        One line.
    """
    failed = [c.id for c in result.claims if c.passed is False]
    decided = result.decided
    if failed:
        return f"FAILED: {len(failed)} of {len(decided)} decided claims: {', '.join(failed)}"
    if not decided:
        first = next((c for c in result.claims if c.passed is None and c.id not in ("assumption2",)), None)
        why = f" ({first.id}: {first.reason})" if first is not None else ""
        return f"No claim of the paper applies to this setting{why}."
    return f"All {len(decided)} decided claims hold."
