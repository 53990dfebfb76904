"""Claim ``corollary1.one_step_gd`` (the corollary of the paper's Theorem 4.1): the mesa-optimizer.

The trained model predicts ``ŷ_t = Ŵ_t x_t`` with ``Ŵ_t = (ãb̃/(t-1)) Σ_{i=1}^{t-1} x_{i+1} x_i^*``, i.e. one
gradient-descent step on ``L_OLS,t(W) = ½ Σ_{i<t} ||x_{i+1} - W x_i||²`` from ``W = 0`` with step ``ãb̃/(t-1)``.

Checked two ways:

1. **symbolic** — :func:`mesatheory.derive.prediction.corollary1_holds`: the model's prediction on the
   diagonal minus the GD prediction is identically 0 for symbolic ``t`` at this ``d``;
2. **numeric** — on sampled sequences, the model's prediction at ``ab = ãb̃``
   (:func:`mesatheory.model.diagonal.diagonal_predictions`, prefix sums) against the GD step computed from the
   definition of ``L_OLS,t``: its gradient in the ``2d²`` real coordinates of ``W = U + iV`` by central
   differences (exact up to rounding, since ``L_OLS,t`` is quadratic), for every ``t`` at once.
"""

from __future__ import annotations

import numpy as np

from .. import paper
from ..derive.prediction import corollary1_holds
from ..model.diagonal import diagonal_predictions
from ..model.process import sample_sequences
from .assumption2 import SADDLE
from .base import Claim, Setting, Verdict
from .tolerance import Tolerance

CLAIM_ID = "corollary1.one_step_gd"
PAPER = "Corollary of Thm 4.1"
STATEMENT = ("ŷ_t = Ŵ_t x_t with Ŵ_t = (ãb̃/(t-1)) Σ_{i<t} x_{i+1} x_i^*: one gradient-descent step on "
             "L_OLS,t from W = 0 with step size ãb̃/(t-1)")
SEQUENCES = 16
TOLERANCE = 1e-9
STEP = 0.5


def ols_cumulative_loss(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """The in-context least-squares loss ``L_OLS,t(W) = ½ Σ_{i<t} ||x_{i+1} - W x_i||²`` for ``t = 2..T-1``.

    Args:
        X: sequences of shape ``(n, T, d)``.
        W: a ``d × d`` matrix.

    Returns:
        The losses, shape ``(n, T-2)``.
    """
    residual = X[:, 1:-1] - np.einsum("jk,nik->nij", W, X[:, :-2])
    return 0.5 * np.cumsum(np.sum(np.abs(residual) ** 2, axis=2), axis=1)


def gd_step_predictions(X: np.ndarray, c: float) -> np.ndarray:
    """``W_1 x_t`` (``t = 2..T-1``), ``W_1 = -(c/(t-1)) (∂L/∂U + i ∂L/∂V)`` at ``W = 0`` by central differences.

    Args:
        X: sequences of shape ``(n, T, d)``.
        c: the product ``ab`` that sets the step size ``c/(t-1)``.

    Returns:
        The predictions of one gradient step, shape ``(n, T-2, d)``.
    """
    n, T, d = X.shape
    grad = np.zeros((n, T - 2, d, d), dtype=np.complex128)
    for j in range(d):
        for k in range(d):
            for unit in (1.0, 1j):
                E = np.zeros((d, d), dtype=np.complex128)
                E[j, k] = STEP * unit
                slope = (ols_cumulative_loss(X, E) - ols_cumulative_loss(X, -E)) / (2 * STEP)
                grad[:, :, j, k] += unit * slope
    eta = c / np.arange(1, T - 1, dtype=np.float64)
    W1 = -eta[None, :, None, None] * grad
    return np.einsum("ntjk,ntk->ntj", W1, X[:, 1:T - 1])


def check_corollary1(s: Setting) -> Verdict:
    """``corollary1.one_step_gd``: the trained model's prediction is one gradient-descent step.

    Checked by the symbolic identity at dimension ``d`` and the numeric comparison on :data:`SEQUENCES` sampled
    sequences (seed ``s.seed``).

    Args:
        s: the setting.

    Returns:
        The verdict; ``measured`` is the largest relative deviation on the samples.
    """
    law, d, T, seed = s.law, s.d, s.T, s.seed
    claim = Claim(CLAIM_ID, STATEMENT,
                  f"symbolic: ŷ_t − W_1 x_t ≡ 0 for symbolic t at d = {d} (mesatheory.derive); numeric: "
                  f"{SEQUENCES} sampled sequences (seed {seed}), model prediction vs one GD step on L_OLS,t with "
                  "central-difference gradient", PAPER, "symbolic.gd_identity")
    decision, k = s.assumption2, s.kappas
    if not k.finite:
        return claim.not_applicable(f"a κ is infinite ({decision.reason})")
    if not decision.holds:
        return claim.not_applicable(f"Assumption 2 is violated ({decision.reason}): the trained model need not be "
                                    "diagonal, so it need not be one GD step (the paper's §5)")
    if s.a0 + s.b0 == 0:
        return claim.not_applicable(SADDLE)
    # the central differences evaluate L_OLS,t 4d² times on SEQUENCES sequences, d² per position
    if d > paper.SYMBOLIC_MAX_D or 4.0 * SEQUENCES * d**4 * T > paper.SAMPLED_WORK:
        return claim.not_applicable(f"declined: offered for d ≤ {paper.SYMBOLIC_MAX_D} and 64·d⁴·T ≤ "
                                    f"{paper.SAMPLED_WORK:.0e} multiply-adds (got d = {d}, T = {T})")
    symbolic = corollary1_holds(d)
    c = float(s.product)
    a = b = float(np.sqrt(c))
    _, X = sample_sequences(law, np.random.default_rng(seed), SEQUENCES, d, T)
    model = diagonal_predictions(X, a, b)
    gd = gd_step_predictions(X, c)
    error = float(np.max(np.abs(model - gd)) / np.max(np.abs(gd)))
    passed = symbolic and error <= TOLERANCE
    return claim.verdict(
        "ŷ_t − W_1 x_t = 0", error, Tolerance.relative(TOLERANCE, f"symbolic 0; numeric relative {TOLERANCE:g}"),
        passed,
        (f"symbolic difference {'≡ 0' if symbolic else 'NOT 0'} (symbolic t, d = {d}); at ab = ã·b̃ = "
         f"{c:.6g} the largest relative deviation over {SEQUENCES} sequences and t = 2..{T - 1} is "
         f"{error:.1e}"),
        {"symbolic_identity": symbolic, "relative_error": error, "product": c, "sequences": SEQUENCES})
