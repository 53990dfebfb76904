"""Corollary 1 (mesa-optimizer): on the diagonal the model's prediction is one gradient-descent step.

Model side: at ``W^{KQ}_{32} = aI``, ``W^{PV}_{12} = bI`` the definition gives
``ŷ_t = (1/(t-1)) Σ_{i=1}^{t} b x_i · a (x_{i-1}^* x_t)``, the ``i = 1`` term vanishing (``x_0 = 0``).

Optimiser side: ``L_OLS,t(W) = ½ Σ_{i=1}^{t-1} ||x_{i+1} - W x_i||²`` with ``W = U + iV`` (``U, V`` real). One
gradient-descent step from ``W = 0`` with step ``η`` in the real coordinates gives
``W_1 = -η (∂L/∂U + i ∂L/∂V)|_{W=0}`` and the prediction ``W_1 x_t``.

With ``η = ab/(t-1)`` the difference ``ŷ_t - W_1 x_t`` is shown to be 0 for symbolic ``t`` and explicit
``d``: both sides are formal sums over ``i``; after re-indexing every sum to start at ``i = 1`` the
coefficients of equal terms cancel exactly.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .steps import Result, Step
from .sums import IndexedSum
from .symbols import A, B, Model


@cache
def diagonal_prediction(d: int) -> tuple[IndexedSum, ...]:
    """``ŷ_t`` at the diagonal point, component by component (symbolic ``t``).

    Args:
        d: the dimension.

    Returns:
        One formal sum per coordinate.
    """
    model = Model(d)
    return tuple(model.prediction(*model.diagonal_point()))


def ols_matrices(d: int) -> tuple[sp.Matrix, sp.Matrix]:
    """Real symbol matrices ``U, V`` with ``W = U + iV``.

    Args:
        d: the dimension.

    Returns:
        ``(U, V)``, each ``d × d``, entries ``U_jk``, ``V_jk``.
    """
    U = sp.Matrix(d, d, lambda j, k: sp.Symbol(f"U_{j + 1}{k + 1}", real=True))
    V = sp.Matrix(d, d, lambda j, k: sp.Symbol(f"V_{j + 1}{k + 1}", real=True))
    return U, V


@cache
def ols_gradient_at_zero(d: int) -> sp.Matrix:
    """The summand (over ``i``) of ``∂L/∂U + i ∂L/∂V`` at ``W = 0``, a ``d × d`` matrix in ``x_i, x_{i+1}``.

    ``L_OLS,t = Σ_i ½ Σ_j r_j conj(r_j)``, ``r = x_{i+1} - W x_i``, ``conj(r) = conj(x_{i+1}) - conj(W) conj(x_i)``;
    row ``j`` of ``W`` enters only ``r_j``, so ``∂/∂W_{jk}`` is taken on ``½ r_j conj(r_j)``, by the product rule
    ``½ (∂r_j · conj(r_j) + r_j · ∂conj(r_j))`` with SymPy differentiating the factors (linear in ``W``) and
    the undifferentiated factor at ``W = 0`` (differentiating the product itself: 2× slower, the same result).

    Args:
        d: the dimension.

    Returns:
        The ``d × d`` summand, in the phases and ``x_1`` at the index ``i``.
    """
    model = Model(d)
    i = model.index
    U, V = ols_matrices(d)
    W, W_conj = U + sp.I * V, U - sp.I * V
    r = model.token(i + 1) - W * model.token(i)
    r_conj = model.token_conj(i + 1) - W_conj * model.token_conj(i)
    at_zero = {s: 0 for s in list(U) + list(V)}
    r0, r0_conj = r.xreplace(at_zero), r_conj.xreplace(at_zero)
    out = sp.zeros(d, d)
    for j in range(d):
        for k in range(d):
            gU, gV = ((sp.diff(r[j], w) * r0_conj[j] + r0[j] * sp.diff(r_conj[j], w)) / 2 for w in (U[j, k], V[j, k]))
            out[j, k] = sp.expand(gU + sp.I * gV)
    return out


@cache
def gd_prediction(d: int) -> tuple[IndexedSum, ...]:
    """``W_1 x_t`` with ``W_1 = -η Σ_{i=1}^{t-1} (∂L/∂U + i∂L/∂V)`` and ``η = ab/(t-1)`` (symbolic ``t``).

    Args:
        d: the dimension.

    Returns:
        One formal sum per coordinate.
    """
    model = Model(d)
    t = model.t
    grad = ols_gradient_at_zero(d)
    x_t = model.token(t)
    eta = A * B / (t - 1)
    return tuple(IndexedSum.from_summand(sp.expand(-sum(grad[j, k] * x_t[k] for k in range(d))),
                                         model.phases, model.index, (sp.Integer(1), t - 1)).scale(eta)
                 for j in range(d))


@cache
def corollary1_difference(d: int) -> tuple[IndexedSum, ...]:
    """``ŷ_t - W_1 x_t``, every sum re-indexed to start at 1 and equal terms merged (0 when Corollary 1 holds).

    Args:
        d: the dimension.

    Returns:
        One formal sum per coordinate.
    """
    return tuple((y - g).shifted() for y, g in zip(diagonal_prediction(d), gd_prediction(d)))


def corollary1_holds(d: int) -> bool:
    """Whether ``ŷ_t - W_1 x_t`` simplifies to 0 in every component (symbolic ``t``, explicit ``d``).

    Args:
        d: the dimension.

    Returns:
        ``True`` when Corollary 1 holds at this ``d``.
    """
    return all(diff.is_zero() for diff in corollary1_difference(d))


CHECKED_DIMENSIONS = (1, 2, 3)


def steps() -> list[Step]:
    """Step 1 of the derivation (Corollary 1), for the report.

    Returns:
        The steps: the prediction on the diagonal, the OLS gradient step, and their identity.
    """
    shown = 2
    y = diagonal_prediction(shown)
    gd = gd_prediction(shown)
    holds = {d: corollary1_holds(d) for d in CHECKED_DIMENSIONS}
    return [
        Step("prediction.diagonal", "Prediction on the diagonal",
             "From the definition $\\hat y_t = \\frac{1}{t-1}\\sum_{i=1}^{t}[W^{PV}e_i]_{1:d}\\,(e_i^* W^{KQ} e_t)$ "
             "at $W^{KQ}_{32}=aI$, $W^{PV}_{12}=bI$, with $x_{s,j}=\\lambda_j^{s-1}x_j$: the value block picks "
             "$b\\,x_i$, the key–query block $a\\,x_{i-1}^* x_t$; the term $i=1$ carries $x_0=0$, so every sum "
             "starts at $i=2$. Component by component for $d=2$:",
             tuple(Result(f"\\hat y_{{t,{j + 1}}}", y[j].to_expr()) for j in range(shown)),
             "Evaluated at explicit $t$ and random $\\lambda, x_1$ against "
             "`mesatheory.model.diagonal.unit_predictions` (prefix-sum implementation) in "
             "`tests/derive/test_derive_prediction.py`.",
             "symbolic $t$; $d = 2$ shown, $d = 1, 2, 3$ derived"),
        Step("prediction.ols_gradient", "One gradient step on the in-context least squares",
             "$L_{OLS,t}(W)=\\tfrac12\\sum_{i=1}^{t-1}\\lVert x_{i+1}-Wx_i\\rVert^2$ with $W=U+iV$ ($U,V$ real). "
             "Differentiating the summand with respect to $U_{jk}$ and $V_{jk}$ at $W=0$ and combining "
             "$\\partial_U + i\\,\\partial_V$ gives the summand below ($d=2$); one step $W_1=-\\eta\\sum_i(\\cdot)$ "
             "from $W=0$ with $\\eta = ab/(t-1)$ predicts $W_1 x_t$:",
             (Result("(\\partial_U L + i\\,\\partial_V L)\\big|_{W=0}\\ \\text{(summand over } i)",
                     ols_gradient_at_zero(shown).applyfunc(lambda e: sp.powsimp(e, combine="exp"))),
              *(Result(f"(W_1 x_t)_{{{j + 1}}}", gd[j].to_expr()) for j in range(shown))),
             "The gradient is compared with central differences of $L_{OLS,t}$ on sampled sequences in "
             "`tests/derive/test_derive_prediction.py` and in the claim `corollary1.one_step_gd`.",
             "symbolic $t$ and $\\eta$; $d = 2$ shown"),
        Step("prediction.identity", "Corollary 1: the prediction is one GD step (step size $ab/(t-1)$)",
             "The difference $\\hat y_t - W_1 x_t$, after re-indexing every sum to start at $i=1$ and merging equal "
             "terms, is identically zero: $\\hat y_t = \\frac{ab}{t-1}\\sum_{i=1}^{t-1}x_{i+1}x_i^{*}x_t$.",
             tuple(Result(f"\\hat y_t - W_1 x_t\\ (d={d})",
                          sp.Matrix([diff.to_expr() for diff in corollary1_difference(d)]))
                   for d in CHECKED_DIMENSIONS),
             "Every merged coefficient simplifies to 0 (SymPy `simplify`).",
             "symbolic $t$; explicit $d = 1, 2, 3$ (the claim `corollary1.one_step_gd` repeats it at the "
             "requested $d$)", holds=all(holds.values())),
    ]
