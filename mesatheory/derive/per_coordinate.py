"""Step 3, continued: the per-coordinate diagonal point ``W^{KQ}_{32} = diag(a_j)``, ``W^{PV}_{12} = diag(b_j)``.

For a law whose coordinates are not exchangeable the diagonal entries separate, so the derivation is redone at
the per-coordinate point, from the model's definition:

1. ``ℓ_t = ½ Σ_j E|ŷ_{t,j} − x_{t+1,j}|²`` by the engine (phase rule, then joint moments ``M[p]``), summed over
   ``t = 2..T−1`` (harmonic numbers); compared with :func:`mesatheory.theory.per_coordinate.reduced_loss`, and
   the derivative of the derived loss with respect to each ``a_j``, ``b_j`` with
   :func:`~mesatheory.theory.per_coordinate.reduced_gradient` — for every law (general moments);
2. the off-diagonal gradient at the point, for independent sign-symmetric coordinates (every moment with an odd
   power set to 0): identically 0, so the flow stays on the per-coordinate diagonal;
3. the prediction is ``ŷ_t = diag(b) Ĝ_t diag(a) x_t``: ``ŷ_t − W_1 x_t`` with the preconditioned step
   ``W_1 = −(1/(t−1)) diag(b) ∇L_OLS,t(0) diag(a)`` is 0 for symbolic ``t``.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from ..theory.per_coordinate import CoordinateMoments, reduced_gradient, reduced_loss
from .gradient import Entry, all_entries, gradient_at
from .prediction import ols_gradient_at_zero
from .steps import Result, Step
from .sums import IndexedSum
from .symbols import Model, T, moment, moment_exponents, moments_in, population
from .timesum import sum_over_t

CHECKED_DIMENSIONS = (2, 3)


def diagonals(d: int) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """The symbols ``a_1..a_d`` and ``b_1..b_d`` of the per-coordinate diagonal point.

    Args:
        d: the dimension.

    Returns:
        ``(a, b)``.
    """
    return (tuple(sp.Symbol(f"a_{j + 1}", real=True) for j in range(d)),
            tuple(sp.Symbol(f"b_{j + 1}", real=True) for j in range(d)))


def point(d: int) -> tuple[sp.Matrix, sp.Matrix]:
    """``(W^{KQ}, W^{PV})`` with ``W^{KQ}_{32} = diag(a_j)``, ``W^{PV}_{12} = diag(b_j)``, zero elsewhere.

    Args:
        d: the dimension.

    Returns:
        The two ``3d × 3d`` matrices.
    """
    model, (a, b) = Model(d), diagonals(d)
    return model.block_matrix({(3, 2): sp.diag(*a)}), model.block_matrix({(1, 2): sp.diag(*b)})


@cache
def derived_loss(d: int) -> sp.Expr:
    """``L = Σ_{t=2}^{T−1} ℓ_t`` at the per-coordinate point, in ``a_j, b_j``, symbolic ``T`` and moments ``M[p]``.

    Args:
        d: the dimension.

    Returns:
        The population loss, expanded.
    """
    model = Model(d)
    total = sp.Integer(0)
    for y, x in zip(model.prediction(*point(d)), model.target()):
        r = y - x
        total += population(model, r * r.conj())
    return sp.expand(sum_over_t(sp.expand(total / 2), model.t, T))


def symbolic_moments(d: int) -> CoordinateMoments:
    """The moments of :class:`~mesatheory.theory.per_coordinate.CoordinateMoments` as moment symbols ``M[p]``.

    Args:
        d: the dimension.

    Returns:
        ``m2_j = M[2e_j]``, ``κ1_j = M[4e_j]``, ``κ2_j = M[6e_j]``, ``M_jk = M[2e_j + 4e_k]``.
    """
    def e(powers: dict[int, int]) -> sp.Expr:
        return moment([powers.get(i, 0) for i in range(d)])
    return CoordinateMoments(tuple(e({j: 2}) for j in range(d)), tuple(e({j: 4}) for j in range(d)),
                             tuple(e({j: 6}) for j in range(d)),
                             tuple(tuple(sp.Integer(0) if j == k else e({j: 2, k: 4}) for k in range(d))
                                   for j in range(d)))


def loss_difference(d: int) -> sp.Expr:
    """Derived loss minus :func:`~mesatheory.theory.per_coordinate.reduced_loss` (0 when the formula holds).

    Args:
        d: the dimension.

    Returns:
        The simplified difference.
    """
    a, b = diagonals(d)
    return sp.simplify(derived_loss(d) - reduced_loss(a, b, symbolic_moments(d), T - 2, sp.harmonic(T - 2)))


def gradient_difference(d: int) -> tuple[sp.Expr, ...]:
    """``∂L/∂a_j``, ``∂L/∂b_j`` of the derived loss minus :func:`~mesatheory.theory.per_coordinate.reduced_gradient`.

    Args:
        d: the dimension.

    Returns:
        The ``2d`` simplified differences (0 when the formulas hold).
    """
    a, b = diagonals(d)
    ga, gb = reduced_gradient(a, b, symbolic_moments(d), T - 2, sp.harmonic(T - 2))
    L = derived_loss(d)
    return tuple(sp.simplify(sp.diff(L, v) - g) for v, g in zip(a + b, ga + gb))


def _odd_moments_zero(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every moment that has an odd power set to 0 (independent sign-symmetric coordinates)."""
    return expr.xreplace({m: sp.Integer(0) for m in moments_in(expr) if any(p % 2 for p in moment_exponents(m))})


@cache
def off_diagonal_gradient(d: int) -> dict[Entry, sp.Expr]:
    """The per-position gradient of every entry outside the per-coordinate diagonal form, with odd moments 0.

    Args:
        d: the dimension.

    Returns:
        ``{entry: ∂ℓ_t/∂W}`` (:func:`mesatheory.derive.gradient.gradient_at` at the per-coordinate point) for the
        entries where it is not identically 0 (empty when the flow stays on the per-coordinate diagonal).
    """
    model = Model(d)
    kq, pv = point(d)
    residual = tuple(y - x for y, x in zip(model.prediction(kq, pv), model.target()))
    out = {}
    for entry in all_entries(d):
        if not entry.active(d):
            value = sp.expand(_odd_moments_zero(gradient_at(model, kq, pv, residual, entry)))
            if value != 0:
                out[entry] = value
    return out


def preconditioned_gd_difference(d: int) -> tuple[IndexedSum, ...]:
    """``ŷ_t − W_1 x_t`` with ``W_1 = −(1/(t−1)) Σ_{i=1}^{t−1} diag(b) ∇_i diag(a)`` (0 when the map is that step).

    ``∇_i`` is the ``i``-th summand of ``∂L_OLS,t/∂U + i ∂L_OLS,t/∂V`` at ``W = 0``
    (:func:`mesatheory.derive.prediction.ols_gradient_at_zero`).

    Args:
        d: the dimension.

    Returns:
        One formal sum per coordinate, re-indexed and merged.
    """
    model = Model(d)
    t, (a, b) = model.t, diagonals(d)
    grad = ols_gradient_at_zero(d)
    x_t = model.token(t)
    step = [IndexedSum.from_summand(sp.expand(-b[j] * sum(grad[j, k] * a[k] * x_t[k] for k in range(d))),
                                    model.phases, model.index, (sp.Integer(1), t - 1)).scale(1 / (t - 1))
            for j in range(d)]
    return tuple((y - g).shifted() for y, g in zip(model.prediction(*point(d)), step))


def steps() -> list[Step]:
    """The per-coordinate steps of step 3 (rendered after those of :mod:`.dynamics`), for the report.

    Returns:
        The steps: the loss and its gradient against the per-coordinate formulas, the off-diagonal gradient for
        independent sign-symmetric coordinates, and the preconditioned gradient-descent step.
    """
    loss_ok = all(loss_difference(d) == 0 for d in CHECKED_DIMENSIONS)
    grad_ok = all(all(g == 0 for g in gradient_difference(d)) for d in CHECKED_DIMENSIONS)
    a, b = diagonals(2)
    off_zero = all(not off_diagonal_gradient(d) for d in CHECKED_DIMENSIONS)
    gd_ok = all(all(x.is_zero() for x in preconditioned_gd_difference(d)) for d in CHECKED_DIMENSIONS)
    return [
        Step("dynamics.per_coordinate_loss", "Per-coordinate diagonal point: the loss",
             "At $W^{KQ}_{32}=\\mathrm{diag}(a_j)$, $W^{PV}_{12}=\\mathrm{diag}(b_j)$ the engine gives, for any law "
             "(moments $M[p]$), with $c_j=a_jb_j$ and $M_{jk}=\\mathbb{E}[x_j^2x_k^4]$: "
             "$L=\\tfrac12\\sum_j[(T-2)(\\kappa_{2,j}c_j^2-2\\kappa_{1,j}c_j+m_{2,j})+H_{T-2}\\,b_j^2\\sum_{k\\ne j}"
             "a_k^2M_{jk}]$. The coordinates are coupled: $b_j$ is weighted by the other coordinates' $a_k^2$.",
             (Result("L\\ (d=2)", sp.collect(derived_loss(2), [*a, *b])),),
             f"Derived loss minus `theory.per_coordinate.reduced_loss` simplifies to 0 for d = 2, 3: {loss_ok}; "
             f"its derivatives in every $a_j$, $b_j$ equal `reduced_gradient`: {grad_ok}.",
             "symbolic $T$, $a_j$, $b_j$ and moments; explicit $d = 2, 3$", holds=loss_ok and grad_ok),
        Step("dynamics.per_coordinate_fixed_points", "Per-coordinate fixed points",
             "$\\partial L/\\partial b_j = (T-2)(\\kappa_{2,j}a_j^2b_j-\\kappa_{1,j}a_j)+H_{T-2}b_j\\sum_{k\\ne j}a_k^2"
             "M_{jk}$ and $\\partial L/\\partial a_j = (T-2)(\\kappa_{2,j}a_jb_j^2-\\kappa_{1,j}b_j)+H_{T-2}a_j"
             "\\sum_{k\\ne j}b_k^2M_{kj}$: the $a$ of coordinate $j$ sees $M_{kj}$ ($\\tilde\\kappa_3$-type), its $b$ "
             "sees $M_{jk}$ ($\\kappa_3$-type). $\\sum_j(a_j^2-b_j^2)$ is conserved (the loss is invariant under "
             "$a\\to sa$, $b\\to b/s$), one of the $2d$ stationary equations is implied by the others, and the "
             "products $c_j$ at a fixed point are functions of the moments and $T$ alone (no closed form in "
             "general): `theory.per_coordinate.fixed_point` solves them; `mesatheory verify` "
             "(`theorem1.per_coordinate`) compares them with the exact full flow.",
             (Result("\\partial L/\\partial a_1\\ (d=2)", sp.factor(sp.diff(derived_loss(2), a[0]))),
              Result("\\partial L/\\partial b_1\\ (d=2)", sp.factor(sp.diff(derived_loss(2), b[0])))),
             "Derivatives of the derived loss by SymPy.", "symbolic; explicit $d = 2$", holds=grad_ok),
        Step("dynamics.per_coordinate_invariance", "The per-coordinate diagonal is invariant for independent symmetric "
             "coordinates",
             "The gradient of every other entry at the per-coordinate point, with every moment that has an odd "
             "power set to 0 (independent coordinates, each sign-symmetric): "
             + ("identically 0 — the flow keeps the diagonal form, only its entries separate."
                if off_zero else "not identically 0."),
             (), "Derived entry by entry (symbolic $t$, $a_j$, $b_j$).", "explicit $d = 2, 3$", holds=off_zero),
        Step("dynamics.per_coordinate_preconditioned", "The trained map is a preconditioned gradient-descent step",
             "$\\hat y_t = \\mathrm{diag}(b)\\,\\hat G_t\\,\\mathrm{diag}(a)\\,x_t$ with "
             "$\\hat G_t=\\frac1{t-1}\\sum_{i=1}^{t-1}x_{i+1}x_i^*=-\\frac1{t-1}\\nabla L_{OLS,t}(0)$: one GD step "
             "from $W=0$ preconditioned by $\\mathrm{diag}(b)$ on the left and $\\mathrm{diag}(a)$ on the right "
             "(entry $(j,k)$ scaled by $b_ja_k$, the diagonal by $c_j$); vanilla GD only when all $a_j$ and all "
             "$b_j$ agree.", (),
             f"$\\hat y_t - W_1x_t$ re-indexed and merged is 0 for d = 2, 3: {gd_ok}.",
             "symbolic $t$, $a_j$, $b_j$; explicit $d = 2, 3$", holds=gd_ok),
    ]
