"""The population loss on the diagonal, from the model's definition.

1. ``ℓ_t = ½ Σ_j E|ŷ_{t,j} - x_{t+1,j}|²`` at ``W^{KQ}_{32} = aI``, ``W^{PV}_{12} = bI``: the product of the
   residual with its conjugate is a double sum over positions; the phase rule keeps the index pairs where
   every phase exponent vanishes; then each monomial of ``x_1`` becomes a joint moment ``M[p]``.
2. Reduction: per coordinate ``j``, ``m2 = M[2e_j]``, ``κ1 = M[4e_j]``, ``κ2 = M[6e_j]``,
   ``κ3 = Σ_{r≠j} M[2e_j + 4e_r]``. Substituting these (one ``M[2e_j+4e_r]`` per ``j`` is replaced by
   ``κ3 - Σ`` of the others) must leave no moment symbol; under Assumption 2 the κ's are the same for
   every ``j``, giving ``ℓ_t = d [½ c² (κ2 + κ3/(t-1)) - c κ1 + ½ m2]`` with ``c = ab``.
3. ``L(a, b) = Σ_{t=2}^{T-1} ℓ_t`` in closed form (harmonic number ``H_{T-2}``).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .steps import Result, Step
from .symbols import K1, K2, K3, M2, A, B, C, Model, T, moment, moments_in, population
from .timesum import as_laurent, sum_over_t


@cache
def per_t_loss(d: int, t: int | None = None) -> sp.Expr:
    """``ℓ_t`` in joint moments ``M[p]``, for symbolic ``t`` (default) or an explicit position ``t``.

    Args:
        d: the dimension.
        t: an explicit position (default: symbolic ``t``).

    Returns:
        ``ℓ_t``, a polynomial in ``a, b`` and ``1/(t-1)`` with coefficients linear in the moments.
    """
    model = Model(d)
    kq, pv = model.diagonal_point()
    total = sp.Integer(0)
    for y, x in zip(model.prediction(kq, pv, t), model.target(t)):
        r = y - x
        total += population(model, r * r.conj())
    return sp.expand(total / 2)


def kappa_substitution(d: int, coordinates: range | None = None) -> dict[sp.Expr, sp.Expr]:
    """``M[2e_j] → m2``, ``M[4e_j] → κ1``, ``M[6e_j] → κ2``, ``M[2e_j+4e_{j+1}] → κ3 - Σ_{r≠j,j+1} M[2e_j+4e_r]``.

    Uses one set of κ symbols for every coordinate in ``coordinates`` (default all): Assumption 2's
    "the same for every j".

    Args:
        d: the dimension.
        coordinates: the coordinates ``j`` (0-based) to substitute (default: all).

    Returns:
        The substitution, moment symbol to κ expression.
    """
    model = Model(d)
    out: dict[sp.Expr, sp.Expr] = {}
    for j in coordinates if coordinates is not None else range(d):
        e = model.unit(j)
        scaled = lambda k, e=e: tuple(k * p for p in e)
        out[moment(scaled(2))] = M2
        out[moment(scaled(4))] = K1
        out[moment(scaled(6))] = K2
        if d > 1:
            others = [r for r in range(d) if r != j]
            pair = lambda r, e=e: moment(tuple(2 * p + 4 * q for p, q in zip(e, model.unit(r))))
            out[pair(others[0])] = K3 - sp.Add(*[pair(r) for r in others[1:]])
    return out


def reduce_to_kappas(d: int, expr: sp.Expr) -> sp.Expr:
    """``expr`` with the moments replaced by ``m2, κ1, κ2, κ3``.

    Args:
        d: the dimension.
        expr: an expression in moment symbols.

    Returns:
        The expression in the κ's (expanded).

    Raises:
        ValueError: a moment survives the substitution.
    """
    reduced = sp.expand(expr.xreplace(kappa_substitution(d)))
    left = moments_in(reduced)
    if left:
        raise ValueError(f"moments {left} do not reduce to m2, κ1, κ2, κ3")
    return reduced


def in_product(expr: sp.Expr) -> sp.Expr:
    """``expr`` written in ``c = ab``.

    Args:
        expr: an expression in which ``a`` and ``b`` enter only through ``ab``.

    Returns:
        The expression in ``c`` (expanded).

    Raises:
        ValueError: ``a`` or ``b`` enters otherwise.
    """
    out = sp.expand(expr.subs(A, C / B))
    if out.has(B):
        raise ValueError(f"{expr} is not a function of c = ab")
    return out


def paper_per_t(d: int, t: sp.Expr) -> sp.Expr:
    """docs/paper.md's per-position loss ``d [½ c² (κ2 + κ3/(t-1)) - c κ1 + ½ m2]`` (κ3 = 0 when d = 1).

    Args:
        d: the dimension.
        t: the position symbol.

    Returns:
        The loss as typed from docs/paper.md §4, in ``c`` and the κ's.
    """
    k3 = K3 if d > 1 else 0
    return d * (C**2 * (K2 + k3 / (t - 1)) / 2 - C * K1 + M2 / 2)


@cache
def reduced_per_t_loss(d: int) -> sp.Expr:
    """``ℓ_t`` in ``c, m2, κ1, κ2, κ3`` (symbolic ``t``).

    Args:
        d: the dimension.

    Returns:
        The derived per-position loss, collected in ``c`` with Laurent coefficients in ``t - 1``.
    """
    t = Model(d).t
    return sp.collect(in_product(reduce_to_kappas(d, per_t_loss(d))), [C], lambda e: as_laurent(e, t))


@cache
def population_loss(d: int) -> sp.Expr:
    """``L(a, b) = Σ_{t=2}^{T-1} ℓ_t`` in ``c = ab`` and the κ's, symbolic ``T``.

    Args:
        d: the dimension.

    Returns:
        The derived population loss, with the harmonic number ``H_{T-2}``.
    """
    return sp.collect(sum_over_t(reduced_per_t_loss(d), Model(d).t, T), [C],
                      lambda e: sp.collect(sp.expand(e), [K1, K2, M2], sp.factor))


def paper_population_loss(d: int) -> sp.Expr:
    """docs/paper.md's ``L = d Σ_{t=2}^{T-1} [½ c² (κ2 + κ3/(t-1)) - c κ1 + ½ m2]``, summed by hand.

    Args:
        d: the dimension.

    Returns:
        ``d [(T-2)(½ c² κ2 - c κ1 + ½ m2) + ½ c² κ3 H_{T-2}]`` (κ3 = 0 when d = 1).
    """
    k3 = K3 if d > 1 else 0
    return d * ((T - 2) * (C**2 * K2 / 2 - C * K1 + M2 / 2) + C**2 * k3 * sp.harmonic(T - 2) / 2)


def diagonal_moments(d: int) -> list[sp.Expr]:
    """The moment symbols in the diagonal loss (none has a coordinate to the power 1).

    Args:
        d: the dimension.

    Returns:
        The symbols, in a deterministic order.
    """
    return moments_in(per_t_loss(d))


CHECKED_DIMENSIONS = (1, 2, 3)
EXPLICIT_T = (2, 3, 4, 5)


def explicit_t_agrees(d: int) -> bool:
    """Whether ``ℓ_t`` derived with explicit ``t`` (numeric bounds) equals the symbolic-``t`` result there.

    Args:
        d: the dimension.

    Returns:
        ``True`` when they agree at every ``t`` of ``EXPLICIT_T``.
    """
    t = Model(d).t
    return all(sp.expand(per_t_loss(d, tv) - per_t_loss(d).subs(t, tv)) == 0 for tv in EXPLICIT_T)


def steps() -> list[Step]:
    """Step 2 of the derivation (population loss on the diagonal), for the report.

    Returns:
        The steps: the per-position loss, the moments it involves, its reduction to the κ's, and the sum.
    """
    t = Model(1).t
    moments3 = diagonal_moments(3)
    explicit = {d: explicit_t_agrees(d) for d in CHECKED_DIMENSIONS}
    reduced_ok = {d: sp.simplify(reduced_per_t_loss(d) - paper_per_t(d, t)) == 0 for d in CHECKED_DIMENSIONS}
    summed_ok = {d: sp.simplify(population_loss(d) - paper_population_loss(d)) == 0 for d in CHECKED_DIMENSIONS}
    return [
        Step("loss.per_t", "Population loss at one position, in joint moments of $x_1$",
             "$\\ell_t=\\tfrac12\\sum_j\\mathbb{E}\\lvert\\hat y_{t,j}-x_{t+1,j}\\rvert^2$: the residual times its "
             "conjugate is a double sum over $(i, i')$; the phase rule "
             "$\\mathbb{E}[\\lambda^p\\bar\\lambda^q]=\\delta_{pq}$ keeps the index pairs where every exponent "
             "of every $\\lambda_j$ vanishes (they are counted for symbolic $t$); each monomial of $x_1$ then "
             "becomes a joint moment.",
             tuple(Result(f"\\ell_t\\ (d={d})", sp.collect(per_t_loss(d), [A, B])) for d in (1, 2)),
             "Re-derived with explicit $t = 2, 3, 4, 5$ (numeric index bounds): equal to the symbolic result "
             f"for d = 1, 2, 3: {all(explicit.values())}. The tests compare with the exact cubature "
             "(`mesatheory.routes.cubature.population_statistics`) and the numeric model.",
             "symbolic $t$; explicit $d = 1, 2, 3$ ($d = 1, 2$ shown)", holds=all(explicit.values())),
        Step("loss.moments", "Which moments enter the diagonal loss",
             "Only $\\mathbb{E}[x_j^2]$, $\\mathbb{E}[x_j^4]$, $\\mathbb{E}[x_j^6]$ and "
             "$\\mathbb{E}[x_j^2x_r^4]$ ($r\\ne j$) occur — no coordinate to the first power. On the diagonal "
             "the vanishing moments of Assumption 2 are not used; only \"the κ's are the same for every $j$\" is.",
             (Result("\\text{moments in } \\ell_t\\ (d=3)", sp.Tuple(*moments3)),),
             "Read off the derived expression.", "explicit $d = 3$ (the same pattern for $d = 1, 2$)"),
        Step("loss.reduced", "Reduction to $m_2, \\kappa_1, \\kappa_2, \\kappa_3$",
             "Substituting $m_2=\\mathbb{E}[x_j^2]$, $\\kappa_1=\\mathbb{E}[x_j^4]$, $\\kappa_2=\\mathbb{E}[x_j^6]$ "
             "and $\\kappa_3=\\sum_{r\\ne j}\\mathbb{E}[x_j^2x_r^4]$ (the same for every $j$) leaves no moment, and "
             "$a, b$ enter only through $c=ab$:",
             tuple(Result(f"\\ell_t\\ (d={d})", reduced_per_t_loss(d)) for d in CHECKED_DIMENSIONS),
             "Difference from docs/paper.md's $d\\,[\\tfrac12c^2(\\kappa_2+\\kappa_3/(t-1))-c\\kappa_1+\\tfrac12m_2]$ "
             f"simplifies to 0 for d = 1, 2, 3: {all(reduced_ok.values())} ($\\kappa_3$ is an empty sum at $d=1$).",
             "symbolic $t$; explicit $d = 1, 2, 3$", holds=all(reduced_ok.values())),
        Step("loss.summed", "Sum over positions: the population loss $L(a,b)$",
             "$L=\\sum_{t=2}^{T-1}\\ell_t$ with $s=t-1$ running from 1 (SymPy returns harmonic numbers only for "
             "sums starting at 1): $\\sum_{s=1}^{T-2}1/s = H_{T-2}$.",
             tuple(Result(f"L(a,b)\\ (d={d})", population_loss(d)) for d in CHECKED_DIMENSIONS),
             "Difference from "
             "$d\\,[(T-2)(\\tfrac12c^2\\kappa_2-c\\kappa_1+\\tfrac12m_2)+\\tfrac12c^2\\kappa_3H_{T-2}]$ "
             f"simplifies to 0: {all(summed_ok.values())}. The tests compare with a direct rational sum at "
             "explicit $T$ and with `mesatheory.theory.stiffness`.",
             "symbolic $t$ and $T$; explicit $d = 1, 2, 3$", holds=all(summed_ok.values())),
    ]
