"""Step 5: one law's exact moments substituted into the general derivation.

For a law at dimension ``d``: the κ's (:func:`mesatheory.laws.moments.kappas`) and ``κ̃3``; the fixed-point product
``c*(T) = (T-2)κ1 / ((T-2)κ2 + κ3 H_{T-2})`` (the derived fixed point of :mod:`.dynamics` with the law's
κ's), as a function of ``T`` and, for i.i.d. laws, of ``d`` too (``κ3 = (d-1) E[x²] E[x⁴]`` because joint
moments factorise); its ``T → ∞`` limit ``κ1/κ2``; the exact numbers at the paper's ``d = 5, T = 100``
(checked against :func:`mesatheory.theory.product_from_kappas`); and the exact population gradient at a
diagonal point off the diagonal (:func:`.gradient.law_gradient`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .. import paper
from ..laws import FAMILIES, Decision, Kappas, Law, decide_assumption2, kappas
from ..theory import LADDER, limit_product, product_from_kappas, recovery, trained_loss
from ..theory.per_coordinate import CoordinateMoments, FixedPoint, fixed_point
from .dynamics import flow_facts
from .gradient import Entry, law_gradient
from .loss import population_loss
from .steps import Result, Step
from .symbolic_law import D_SYMBOL, SymbolicDerivation, derive_symbolic
from .symbols import K1, K2, K3, M2, A, B, C, T

PAPER_D, PAPER_T = 5, 100


def swapped_kappa3(law: Law, d: int) -> sp.Expr:
    """``κ̃3 = Σ_{r≠1} E[x_1⁴ x_r²]`` (in the per-entry flow of ``a``; equals ``κ3`` for exchangeable laws).

    Args:
        law: the law of ``x_1``.
        d: the dimension.

    Returns:
        ``κ̃3``, exactly.
    """
    total = sp.Integer(0)
    for r in range(1, d):
        exps = [0] * d
        exps[0], exps[r] = 4, 2
        total += law.joint_moment(exps)
    return sp.simplify(total)


def product_in_T(k: Kappas) -> sp.Expr:
    """The derived fixed point ``c*`` with the law's κ's, symbolic ``T``.

    Args:
        k: the law's moments.

    Returns:
        ``c*`` as a function of ``T``.
    """
    return flow_facts().fixed_point.subs({K1: k.k1, K2: k.k2, K3: k.k3, M2: k.m2})


@dataclass(frozen=True)
class LawDerivation:
    """Everything step 5 derives for one law (exact SymPy values; ``None`` where not defined).

    Attributes:
        law, d, T: the law and the sizes of the numbers (the paper's ``d = 5, T = 100`` by default).
        assumption2: Assumption 2 decided exactly, with its reason.
        kappas: ``m2, κ1, κ2, κ3`` at ``d``; ``kappa3_swapped``: ``κ̃3``.
        product_T: ``c*`` as a function of ``T`` (at this ``d``); ``product_Td``: as a function of ``T`` and
            ``d`` (i.i.d. laws only); ``limit``: ``T → ∞``; ``product``: exact at ``(d, T)``.
        off_diagonal: the non-zero population gradient at the diagonal point ``(a, b)`` (symbolic ``T``),
            active entries included.
        problem: why the theory does not apply as stated (infinite moments, Assumption 2), or ``""``.
        symbolic: the same results in the family's parameters (built-in families only, :mod:`.symbolic_law`).
        coordinates, per_coordinate: for non-exchangeable coordinates, their moments and the per-coordinate fixed
            point from the paper's start (:mod:`mesatheory.theory.per_coordinate`); else ``None``.
    """

    law: Law
    d: int
    T: int
    assumption2: Decision
    kappas: Kappas
    kappa3_swapped: sp.Expr | None
    product_T: sp.Expr | None
    product_Td: sp.Expr | None
    limit: sp.Expr | None
    product: sp.Expr | None
    off_diagonal: dict[Entry, sp.Expr] | None
    problem: str
    symbolic: SymbolicDerivation | None = None
    coordinates: CoordinateMoments | None = None
    per_coordinate: FixedPoint | None = None

    @property
    def relative_gap(self) -> sp.Expr | None:
        """``(limit - product)/limit``: how far the exact finite-``T`` product lies below the asymptote."""
        if self.product is None or self.limit is None or self.limit == 0:
            return None
        return sp.simplify((self.limit - self.product) / self.limit)


def iid_product_in_T_and_d(law: Law) -> sp.Expr:
    """``c*(T, d)`` for an i.i.d. law: ``κ1 = E[x⁴]``, ``κ2 = E[x⁶]``, ``κ3 = (d-1) E[x²] E[x⁴]``.

    Args:
        law: an i.i.d. law.

    Returns:
        ``c*`` as a function of ``T`` and the symbol ``d``.
    """
    m2, m4, m6 = (law.marginal_moment(p, 1) for p in (2, 4, 6))
    return sp.simplify(flow_facts().fixed_point.subs({K1: m4, K2: m6, K3: (D_SYMBOL - 1) * m2 * m4}))


@lru_cache(maxsize=64)
def derive_law(law: Law, d: int = PAPER_D, T_value: int = PAPER_T) -> LawDerivation:
    """Substitute ``law``'s exact moments into the general derivation (see the module docstring).

    Args:
        law: the law of ``x_1``.
        d: the dimension of the numbers (the paper's 5).
        T_value: the sequence length of the numbers (the paper's 100).

    Returns:
        Everything step 5 derives; ``None`` fields where a κ is infinite.
    """
    decision = decide_assumption2(law, d)
    k = kappas(law, d)
    problem = ""
    if not k.finite:
        problem = f"a κ is infinite ({decision.reason}): the loss and the flow are not defined"
    elif not decision.holds:
        problem = f"Assumption 2 is violated ({decision.reason})"
    if not k.finite:
        return LawDerivation(law, d, T_value, decision, k, None, None, None, None, None, None, problem)
    product_T = sp.simplify(product_in_T(k))
    product = sp.simplify(product_T.subs(T, T_value))
    if sp.simplify(product - product_from_kappas(k, T_value)) != 0:
        raise AssertionError("the derived fixed point disagrees with mesatheory.theory.product_from_kappas")
    product_Td = iid_product_in_T_and_d(law) if law.iid else None
    limit = sp.limit(product_T, T, sp.oo)
    symbolic = derive_symbolic(law, d) if law.name in FAMILIES and law.params else None
    coordinates = None if law.iid else CoordinateMoments.from_law(law, d)
    if coordinates is not None and coordinates.exchangeable:
        coordinates = None
    fixed = None if coordinates is None else fixed_point(coordinates, T_value, paper.A0, paper.B0)
    return LawDerivation(law, d, T_value, decision, k, swapped_kappa3(law, d), product_T, product_Td, limit,
                         product, law_gradient(law, d), problem, symbolic, coordinates, fixed)


def _block_summary(r: LawDerivation) -> tuple[Result, ...]:
    """The off-diagonal gradient grouped by value: one row per distinct value, with the entries it holds for."""
    groups: dict[sp.Expr, list[str]] = {}
    for entry, value in sorted((r.off_diagonal or {}).items()):
        if not entry.active(r.d):
            groups.setdefault(value, []).append(entry.label(r.d))
    return tuple(Result(labels[0] + (f"\\ \\text{{and {len(labels) - 1} more}}" if len(labels) > 1 else ""),
                        value, (sp.Float(value.subs({A: 1, B: 1, T: r.T}), 6),))
                 for value, labels in sorted(groups.items(), key=lambda kv: kv[1][0]))


def off_diagonal_count(r: LawDerivation) -> int:
    """How many off-diagonal entries have a non-zero gradient at the diagonal point.

    Args:
        r: the law's derivation.

    Returns:
        The count (0 when the gradient is not defined).
    """
    return sum(1 for e in (r.off_diagonal or {}) if not e.active(r.d))


def one_line(r: LawDerivation) -> str:
    """A one-line result for the index.

    Args:
        r: the law's derivation.

    Returns:
        The exact product, its gap to the ``T → ∞`` limit, the number of non-zero off-diagonal gradients and
        Assumption 2's verdict, or why the theory does not apply.
    """
    if r.product is None:
        return f"not applicable: {r.problem}"
    if r.per_coordinate is not None:
        shown = ", ".join(f"{float(c):.6g}" for c in r.per_coordinate.c)
        return (f"per-coordinate fixed points c_j = ({shown}) at d = {r.d}, T = {r.T} (non-exchangeable coordinates; "
                f"Theorem 1's single product does not apply: {r.assumption2.reason})")
    lead = "masked flow: " if not r.assumption2.holds else ""
    gap = r.relative_gap
    assert gap is not None, "a finite product comes with its limit"
    text = (f"{lead}ã·b̃ = {float(r.product):.6g} (exact) at d = {r.d}, T = {r.T}, "
            f"{float(gap) * 100:.2f} % below its T → ∞ limit {r.limit}")
    n = off_diagonal_count(r)
    if n:
        text += f"; off-diagonal gradient ≠ 0 in {n} entries"
    return text + ("" if r.assumption2.holds else f"; Assumption 2 violated ({r.assumption2.reason})")


def law_steps(r: LawDerivation) -> list[Step]:
    """Step 5 for one law, for its report.

    Args:
        r: the law's derivation.

    Returns:
        The steps: moments, loss, per-entry flow, product, invariance and (under Assumption 2) capability;
        only the first when a κ is infinite.
    """
    k = r.kappas
    kappa_results = [Result(name, value) for name, value in
                     (("m_2", k.m2), ("\\kappa_1", k.k1), ("\\kappa_2", k.k2), ("\\kappa_3", k.k3))]
    if r.kappa3_swapped is not None:
        kappa_results.append(Result("\\tilde\\kappa_3", r.kappa3_swapped))
    out = [Step(
        "law.moments", "Exact moments and Assumption 2",
        f"Moments of one coordinate at $d = {r.d}$ from the law's exact joint moments. Assumption 2 (paper's "
        f"Assumption 4.1): {'holds' if r.assumption2.holds else 'violated'} — {r.assumption2.reason}.",
        tuple(kappa_results),
        "`mesatheory.laws.kappas` and `decide_assumption2` (exact SymPy moments).", f"explicit $d = {r.d}$",
        holds=True if r.assumption2.holds else None, notes=(r.problem,) if r.problem else ())]
    if r.product is None:
        return out
    if r.symbolic is not None:
        out.append(symbolic_step(r.symbolic, r.d, r.T))
    loss_d = population_loss(r.d).subs({M2: k.m2, K1: k.k1, K2: k.k2, K3: k.k3})
    out.append(Step(
        "law.loss", "Population loss on the diagonal",
        "Step 2's $L(a,b)$ (derived at this $d$) with the law's moments"
        + ("" if r.assumption2.holds else "; on the diagonal it needs only the per-coordinate κ's, so it holds "
           "for this law too, but the full flow does not stay there (see below)") + ":",
        (Result(f"L(a,b)\\ (d={r.d})", sp.collect(sp.expand(loss_d), [C])),),
        "Substitution into the derived expression.", f"symbolic $T$; explicit $d = {r.d}$"))
    swapped_ok = sp.simplify(r.kappa3_swapped - k.k3) == 0
    out.append(Step(
        "law.per_entry", "Per-entry flow: $\\tilde\\kappa_3 = \\kappa_3$?",
        "The per-entry flow of $a$ uses $\\tilde\\kappa_3=\\sum_{r\\ne j}\\mathbb{E}[x_j^4x_r^2]$, that of $b$ uses "
        "$\\kappa_3$ (step 3). "
        + ("They agree, so both follow $g = A - Kc$." if swapped_ok else
           "They differ: the per-entry flows of $a$ and $b$ have different stiffness."),
        (Result("\\tilde\\kappa_3-\\kappa_3", sp.simplify(r.kappa3_swapped - k.k3)),),
        "Exact moments.", f"explicit $d = {r.d}$", holds=swapped_ok))
    product_results = [Result(f"\\tilde a\\tilde b\\ (d={r.d})", r.product_T)]
    if r.product_Td is not None:
        product_results.append(Result("\\tilde a\\tilde b\\ (T, d)", r.product_Td))
    product_results += [Result("\\lim_{T\\to\\infty}\\tilde a\\tilde b", r.limit),
                        Result(f"\\tilde a\\tilde b\\ (d={r.d},\\ T={r.T})\\ \\text{{exact}}", r.product,
                               (sp.Float(r.product, 12),)),
                        Result("(\\text{limit}-\\text{exact})/\\text{limit}", r.relative_gap,
                               (sp.Float(r.relative_gap, 6),))]
    masked = "" if r.assumption2.holds else (
        " Assumption 2 is violated, so Theorem 1 does not apply: this is the limit of the flow with the "
        "off-diagonal gradient masked (the official code's `--clip`), which stays on the diagonal.")
    if r.per_coordinate is not None:
        masked = (" The coordinates are not exchangeable: these are Theorem 1's formula with coordinate 1's κ's, "
                  "not a limit of the flow, whose entries separate (the per-coordinate fixed points are below).")
    out.append(Step(
        "law.product", "Fixed-point product (Theorem 1, paper's Theorem 4.1)",
        "Step 3's $c^* = (T-2)\\kappa_1/((T-2)\\kappa_2+\\kappa_3H_{T-2})$ with the law's moments; "
        + ("for i.i.d. coordinates $\\kappa_3=(d-1)\\mathbb{E}[x^2]\\mathbb{E}[x^4]$ gives the dependence on $d$; "
           if r.product_Td is not None else "")
        + f"the exact value at $d={r.d}, T={r.T}$ and the $T\\to\\infty$ asymptote $\\kappa_1/\\kappa_2$ are "
        "different numbers: the exact product lies below the asymptote by the relative gap shown." + masked,
        tuple(product_results),
        "The exact value equals `mesatheory.theory.product_from_kappas` (checked when derived); the limit by "
        "`sympy.limit`.", f"symbolic $T$ (and $d$ for i.i.d. laws); numbers at $d={r.d}, T={r.T}$"))
    n = off_diagonal_count(r)
    if r.assumption2.holds:
        verdict = "holds: the off-diagonal gradient is exactly 0" if n == 0 else (
            f"fails: {n} off-diagonal entries have a non-zero gradient although Assumption 2 holds — "
            "$\\mathbb{E}[x_j^3x_k^3]\\ne0$, a moment Assumption 2 does not constrain (step 4)")
        holds: bool | None = n == 0
    else:
        verdict = f"not applicable (Assumption 2 violated); the off-diagonal gradient is non-zero in {n} entries"
        holds = None
    out.append(Step(
        "law.invariance", "Invariance of the diagonal",
        f"The exact population gradient at the diagonal point $(a, b)$, $d={r.d}$: {verdict}."
        + (f" Rows: the distinct values (symbolic $T$), the first entry holding each, and the value at $T={r.T}$, "
           "$a=b=1$." if n else ""),
        _block_summary(r),
        "Step 4's gradient (representatives and permutation covariance) with the law's exact joint moments, "
        "summed over $t$.", f"explicit $d = {r.d}$; symbolic $a, b, T$", holds=holds,
        columns=("entry", "$\\partial L/\\partial W$", f"at $T={r.T}$, $a=b=1$") if n else ()))
    if r.assumption2.holds:
        out.append(capability_step(k, r.d))
    if r.coordinates is not None and r.per_coordinate is not None:
        out.append(per_coordinate_step(r.coordinates, r.per_coordinate, r.d, r.T))
    return out


def per_coordinate_step(m: CoordinateMoments, fp: FixedPoint, d: int, T_value: int) -> Step:
    """The per-coordinate fixed points of a law whose coordinates are not exchangeable.

    Args:
        m: the coordinates' exact moments.
        fp: the fixed point from the paper's start.
        d: the dimension.
        T_value: the sequence length.

    Returns:
        The step: per coordinate ``m2_j, κ1_j, κ2_j, κ3_j, κ̃3_j`` and ``ã_j, b̃_j, c_j``.
    """
    results = []
    for j in range(d):
        k3 = sp.Add(*m.cross[j])
        k3t = sp.Add(*(m.cross[r][j] for r in range(d)))
        results.append(Result(f"j = {j + 1}:\\ (m_2, \\kappa_1, \\kappa_2, \\kappa_3, \\tilde\\kappa_3)",
                              sp.Tuple(m.m2[j], m.k1[j], m.k2[j], k3, k3t),
                              (sp.Tuple(*(sp.Float(v, 8) for v in (fp.a[j], fp.b[j], fp.c[j]))),)))
    return Step(
        "law.per_coordinate", "Per-coordinate fixed points (non-exchangeable coordinates)",
        f"The coordinates' moments differ, so the entries of $\\mathrm{{diag}}(a_j)$, $\\mathrm{{diag}}(b_j)$ "
        f"separate (step 3, per-coordinate point): the flow from $a_j = {paper.A0}$, "
        f"$b_j = {paper.B0}$ ends at the per-coordinate fixed point below, and the trained map is the "
        "preconditioned step "
        f"$\\hat y_t = \\mathrm{{diag}}(\\tilde b)\\hat G_t\\mathrm{{diag}}(\\tilde a)x_t$. The products $c_j$ "
        "do not depend on the start; the entries do (through the conserved $\\sum_j(a_j^2-b_j^2)$).",
        tuple(results),
        "`theory.per_coordinate.fixed_point` (reduced flow, then Newton on the stationary equations); "
        "`mesatheory verify` (`theorem1.per_coordinate`) compares with the exact full flow.",
        f"explicit $d = {d}$, $T = {T_value}$", columns=("coordinate", "moments", "$(\\tilde a_j, \\tilde b_j, c_j)$"))


def capability_step(k: Kappas, d: int) -> Step:
    """Theorem 2 (paper's Proposition 4.1) and the recovery condition for one law: limits and the ladder.

    Args:
        k: the law's moments.
        d: the dimension.

    Returns:
        The step, with a Mermaid chart of the loss ladder.
    """
    decision = recovery(k, d)
    ladder = [(T, trained_loss(k, d, T)) for T in LADDER]
    results = [Result("\\lim_{T\\to\\infty}\\tilde a\\tilde b", limit_product(k)),
               Result("\\lim_{T,t\\to\\infty}\\ell_t", decision.limit_loss),
               *(Result(f"\\ell_{{T-1}}(c^*)\\ (T={T})", sp.Float(v, 8)) for T, v in ladder)]
    points = ", ".join(f"{float(v):.6g}" for _, v in ladder)
    chart = "\n".join([
        "```mermaid", "xychart-beta",
        f'    title "Loss of the trained model at t = T-1 (limit {float(decision.limit_loss):.6g})"',
        '    x-axis "T" [' + ", ".join(f'"{T}"' for T in LADDER) + "]",
        '    y-axis "per-step loss"', f"    line [{points}]", "```"])
    return Step(
        "law.capability", "Capability: Theorem 2 and recovery",
        f"With $c^*(T)$ the trained product, the loss at the last position $t=T-1$ is "
        f"$\\ell_{{T-1}}(c^*) = d[\\tfrac12c^{{*2}}(\\kappa_2+\\kappa_3/(T-2)) - c^*\\kappa_1 + \\tfrac12m_2]$; as "
        f"$T\\to\\infty$ it tends to $(d/2)(m_2-\\kappa_1^2/\\kappa_2)$. Recovery: **{decision.category}** — "
        f"{decision.explanation}.",
        tuple(results),
        "`sympy.limit` (of $H_{T-2}/(T-2)$ and $1/(t-1)$, then by continuity); the ladder in exact rational "
        "arithmetic; `mesatheory verify` checks both against sampled sequences (`theorem2.limit`, "
        "`recovery.finite_T`).", f"explicit $d = {d}$; $T$ = {', '.join(map(str, LADDER))}",
        holds=True, columns=("quantity", "value"), figure=chart)


def symbolic_step(r: SymbolicDerivation, d: int, T_value: int) -> Step:
    """The law's results in its own parameters, each with its value at the law's parameters, ``d`` and ``T``.

    Args:
        r: the family's symbolic derivation.
        d: the dimension of the numbers.
        T_value: the sequence length of the numbers.

    Returns:
        The step: κ's, ``c*(T, d)``, its limit and (under Assumption 2) the limit loss, with the recovery category.
    """
    names = ", ".join(f"${sp.latex(s)} = {v}$" for s, v in r.values.items())

    def row(name: str, expr: sp.Expr) -> Result:
        value = r.at_values(expr.subs(T, T_value), d)
        return Result(name, expr, (value if len(str(value)) <= 24 else sp.Float(value, 12),))
    results = [row(name, value) for name, value in
               (("m_2", r.kappas.m2), ("\\kappa_1", r.kappas.k1), ("\\kappa_2", r.kappas.k2),
                ("\\kappa_3", r.kappas.k3))]
    results += [row("\\tilde a\\tilde b\\ (T, d)", r.product), row("\\lim_{T\\to\\infty}\\tilde a\\tilde b", r.limit)]
    if r.limit_loss is not None:
        results.append(row("\\lim_{T,t\\to\\infty}\\ell_t", r.limit_loss))
    where = f" for ${' , '.join(sp.latex(c) for c in r.conditions)}$" if r.conditions else ""
    decision = (f"Recovery: **{r.recovery}**." if r.recovery else "Assumption 2 is violated, so Theorem 2 and the "
                "recovery decision do not apply.")
    return Step(
        "law.symbolic", "In the law's own parameters",
        f"The family `{r.family}` rebuilt with symbolic parameters and every result derived again by SymPy; the "
        f"moments are finite{where or ' for every parameter value'}. Assumption 2: "
        f"{'holds' if r.assumption2[0] else 'violated'} — {r.assumption2[1]}. {decision} Second column: the value "
        f"at {names}, $d = {d}$, $T = {T_value}$.",
        tuple(results),
        "`mesatheory.derive.symbolic_law` (SymPy on the symbolic copy); its κ's at the law's values equal the "
        "exact κ's of step 5.1 (checked when derived).",
        "symbolic parameters" + (", $T$ and $d$" if r.d == D_SYMBOL else f" and $T$; explicit $d = {d}$"),
        columns=("quantity", "symbolic", "at the law's values"))
