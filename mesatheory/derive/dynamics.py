"""The reduced gradient flow on the diagonal, its invariants, fixed point, basin, rate and closed form.

**Per-entry convention** (each diagonal entry of the full matrices under ``dθ/dτ = -∇L``): the flow of
``a = W^{KQ}_{32}[j,j]`` and ``b = W^{PV}_{12}[j,j]`` is minus the derivative of the population loss with
respect to that one entry, taken from :mod:`.gradient` (symbolic ``T``) and reduced to moments of
coordinate ``j``. It gives ``db/dτ = a (A - K c)`` with ``A = (T-2)κ1``, ``K = (T-2)κ2 + κ3 H_{T-2}`` and
``da/dτ = b (A - K̃ c)`` where ``K̃`` has ``κ̃3 = Σ_{r≠j} E[x_j⁴ x_r²]`` in place of ``κ3`` (powers swapped:
``a_j`` scores coordinate ``j`` in every output). ``κ̃3 = κ3`` for exchangeable laws (i.i.d., sparse); the
rest of this module assumes it, as docs/paper.md does.

**Two-scalar convention**: ``-∂L(a, b)/∂a`` of the loss of :mod:`.loss` is ``d`` times the per-entry
right-hand side (same orbits, time divided by ``d``).

With ``g = A - K ab``: ``d(a²-b²)/dτ = 0``; ``c* = A/K``; ``dc/dτ = (a²+b²) g = K (c*-c) √(D² + 4c²)``
(``D = a² - b²``); ``d(a±b)/dτ = ±(a±b) g``; the closed form of the separable equation is
``K τ = Φ(c) - Φ(c_0)``, ``Φ(c) = (1/s) ln((s √(D²+4c²) + D² + 4c* c)/|c* - c|)``, ``s = √(D² + 4c*²)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ..laws import Kappas
from ..theory import product_from_kappas
from .gradient import Entry, summed_gradient
from .loss import kappa_substitution, population_loss
from .steps import Result, Step, tex
from .symbols import K1, K2, K3, K3T, M2, A, B, C, Model, T, moment, moments_in

D = sp.Symbol("D", real=True)                       # the conserved a² - b²
C_STAR = sp.Symbol("c^*", positive=True)
C0 = sp.Symbol("c_0", real=True)
STIFFNESS = (T - 2) * K2 + K3 * sp.harmonic(T - 2)   # K
DRIVE = (T - 2) * K1                                  # A


def _per_entry_substitution(d: int) -> dict[sp.Expr, sp.Expr]:
    """Coordinate-1 moments to ``m2, κ1, κ2, κ3`` and ``κ̃3 = Σ_{r≠1} M[4e_1 + 2e_r]``."""
    model = Model(d)
    out = kappa_substitution(d, range(1))
    swapped = [moment(tuple(4 * p + 2 * q for p, q in zip(model.unit(0), model.unit(r)))) for r in range(1, d)]
    out[swapped[0]] = K3T - sp.Add(*swapped[1:])
    return out


@cache
def per_entry_rhs(d: int = 2) -> tuple[sp.Expr, sp.Expr]:
    """``(da/dτ, db/dτ) = (-∂L/∂W^{KQ}_{32}[1,1], -∂L/∂W^{PV}_{12}[1,1])`` at the diagonal point, in κ's.

    Args:
        d: the dimension (at least 2).

    Returns:
        The two right-hand sides in ``a, b``, ``T`` and ``m2, κ1, κ2, κ3, κ̃3``.

    Raises:
        ValueError: a moment does not reduce to these.
    """
    subs = _per_entry_substitution(d)
    out = []
    for entry in (Entry("KQ", 2 * d, d), Entry("PV", 0, d)):
        rhs = sp.expand(-summed_gradient(d, entry).xreplace(subs))
        if moments_in(rhs):
            raise ValueError(f"moments {moments_in(rhs)} remain in the per-entry flow")
        out.append(rhs)
    return out[0], out[1]


def flow(a: sp.Expr = A, b: sp.Expr = B) -> tuple[sp.Expr, sp.Expr]:
    """The per-entry reduced flow ``(b g, a g)``, ``g = A - K ab`` (with ``κ̃3 = κ3``).

    Args:
        a: the diagonal of ``W^{KQ}_{32}`` (default: the symbol ``a``).
        b: the diagonal of ``W^{PV}_{12}`` (default: the symbol ``b``).

    Returns:
        ``(da/dτ, db/dτ)``.
    """
    g = DRIVE - STIFFNESS * a * b
    return b * g, a * g


@cache
def two_scalar_rhs(d: int) -> tuple[sp.Expr, sp.Expr]:
    """``(-∂L/∂a, -∂L/∂b)`` of ``L(a, b)`` from :func:`.loss.population_loss` (``c = ab``).

    Args:
        d: the dimension.

    Returns:
        The two right-hand sides of the two-scalar convention.
    """
    L = population_loss(d).subs(C, A * B)
    return sp.expand(-sp.diff(L, A)), sp.expand(-sp.diff(L, B))


@dataclass(frozen=True)
class FlowFacts:
    """The derived facts about the reduced flow (all SymPy expressions; identities hold when 0)."""

    conservation: sp.Expr        # d(a²-b²)/dτ, simplified
    fixed_point: sp.Expr         # c* solving g = 0
    c_equation: sp.Expr          # dc/dτ - (a²+b²) g, simplified
    norm_identity: sp.Expr       # (a²+b²)² - (D² + 4c²) with D = a²-b², c = ab
    sum_equation: sp.Expr        # d(a+b)/dτ - (a+b) g
    difference_equation: sp.Expr  # d(a-b)/dτ + (a-b) g
    origin_vectors: list          # (eigenvalue, multiplicity, vectors) of the Jacobian at (0, 0)
    fixed_eigen: tuple[sp.Expr, sp.Expr]  # Jacobian eigenvalues on ab = c*, minus (0, -K(a²+b²)): (0, 0)
    c_rate: sp.Expr               # d/dc [K (c*-c) √(D²+4c²)] at c*
    closed_form: sp.Expr          # Φ(c)
    closed_form_residuals: tuple[sp.Expr, sp.Expr]  # Φ'(c)·(c*-c)√(D²+4c²) - 1 on c < c* and c > c*


@cache
def flow_facts() -> FlowFacts:
    """Derive every fact listed in the module docstring from :func:`flow`.

    Returns:
        The identities (each 0 when it holds), the fixed point, the eigen-data and the closed form.
    """
    da, db = flow()
    g = DRIVE - STIFFNESS * A * B
    conservation = sp.simplify(2 * A * da - 2 * B * db)
    (fixed,) = sp.solve(sp.Eq(DRIVE - STIFFNESS * C, 0), C)
    c_equation = sp.simplify(da * B + A * db - (A**2 + B**2) * g)
    norm_identity = sp.expand((A**2 + B**2)**2 - ((A**2 - B**2)**2 + 4 * (A * B)**2))
    sum_equation = sp.simplify(da + db - (A + B) * g)
    difference_equation = sp.simplify(da - db + (A - B) * g)
    jac = sp.Matrix([da, db]).jacobian([A, B])
    at_origin = jac.subs({A: 0, B: 0})
    # on the hyperbola of fixed points b = c*/a
    on_curve = sp.simplify(jac.subs(B, fixed / A))
    expected = (sp.Integer(0), -STIFFNESS * (A**2 + (fixed / A)**2))
    eigen = sorted(on_curve.eigenvals(multiple=True), key=lambda e: e != 0)
    fixed_eigen = tuple(sp.simplify(e - x) for e, x in zip(eigen, expected))
    rate_fn = STIFFNESS * (C_STAR - C) * sp.sqrt(D**2 + 4 * C**2)
    c_rate = sp.simplify(sp.diff(rate_fn, C).subs(C, C_STAR))
    s = sp.sqrt(D**2 + 4 * C_STAR**2)
    phi = sp.log((s * sp.sqrt(D**2 + 4 * C**2) + D**2 + 4 * C_STAR * C) / sp.Abs(C_STAR - C)) / s
    w = sp.Symbol("w", positive=True)
    residuals = []
    for sign in (-1, 1):   # c = c* ∓ w: below and above the fixed point
        at = {C: C_STAR + sign * w}
        dphi_dc = sign * sp.diff(phi.subs(at), w)
        residuals.append(sp.simplify(dphi_dc * (-sign * w) * sp.sqrt(D**2 + 4 * C**2).subs(at) - 1))
    return FlowFacts(conservation, fixed, c_equation, norm_identity, sum_equation, difference_equation,
                     at_origin.eigenvects(), fixed_eigen, c_rate, phi,
                     (residuals[0], residuals[1]))


def closed_form_time(c: sp.Expr, c0: sp.Expr = C0) -> sp.Expr:
    """``τ(c) = (Φ(c) - Φ(c_0)) / K``: the time the flow needs from ``c_0`` to ``c`` (same side of ``c*``).

    Args:
        c: the product reached.
        c0: the initial product (default: the symbol ``c_0``).

    Returns:
        The time, in the symbols ``D``, ``c*`` and the κ's.
    """
    phi = flow_facts().closed_form
    return (phi.subs(C, c) - phi.subs(C, c0)) / STIFFNESS


def steps() -> list[Step]:
    """Step 3 of the derivation (reduced dynamics), for the report.

    Returns:
        The steps: the per-entry and two-scalar flows, the conserved quantity, the fixed point, the basin,
        the rate and the closed form.
    """
    facts = flow_facts()
    da, db = flow()
    per_entry_ok = all(sp.simplify(per_entry_rhs(d)[1] - db) == 0
                       and sp.simplify(per_entry_rhs(d)[0] - da.subs(K3, K3T)) == 0 for d in (2, 3))
    two_scalar_ok = all(sp.simplify(two_scalar_rhs(d)[0] - d * da) == 0
                        and sp.simplify(two_scalar_rhs(d)[1] - d * db) == 0 for d in (2, 3))
    theory_ok = sp.simplify(facts.fixed_point - product_from_kappas(Kappas(M2, K1, K2, K3), T)) == 0
    origin = [Result(f"\\text{{eigenvector for }} {tex(sp.factor(val))}", sp.Matrix(vecs[0]).T) for val, _, vecs in
              sorted(facts.origin_vectors, key=lambda v: sp.default_sort_key(v[0]))]
    return [
        Step("dynamics.per_entry", "Per-entry flow of the full matrices",
             "Minus the derivative of $L$ with respect to the single entries $W^{KQ}_{32}[1,1]$ and "
             "$W^{PV}_{12}[1,1]$ (step 4's gradient at the diagonal point, summed over $t$), in moments of "
             "coordinate 1. With $A=(T-2)\\kappa_1$ and $K=(T-2)\\kappa_2+\\kappa_3H_{T-2}$: "
             "$\\dot b = a(A-Kc)$, while $\\dot a = b(A-\\tilde K c)$ where $\\tilde K$ has "
             "$\\tilde\\kappa_3=\\sum_{r\\ne j}\\mathbb{E}[x_j^4x_r^2]$ in place of $\\kappa_3$ ($a_j$ scores "
             "coordinate $j$ in every output). For exchangeable laws (i.i.d., sparse) $\\tilde\\kappa_3=\\kappa_3$; "
             "from here on the flow uses $\\kappa_3$ for both, as docs/paper.md does (each law report checks it).",
             (Result("\\dot a\\ (d=3)", per_entry_rhs(3)[0]), Result("\\dot b\\ (d=3)", per_entry_rhs(3)[1])),
             f"Difference from $(b(A-\\tilde Kc),\\ a(A-Kc))$ simplifies to 0 for d = 2, 3: {per_entry_ok}.",
             "symbolic $T$; explicit $d = 2, 3$", holds=per_entry_ok,
             notes=("docs/paper.md states $\\dot a = b(A-Kc)$ with $\\kappa_3$; the derivation gives "
                    "$\\tilde\\kappa_3$ there. Assumption 2 as stated fixes $\\kappa_3$ per coordinate but not "
                    "$\\tilde\\kappa_3$: a sign-symmetric law that satisfies it with $\\tilde\\kappa_3$ "
                    "depending on the coordinate exists (`tests/derive/test_derive_dynamics.py`, "
                    "`test_assumption2_does_not_fix_kappa_tilde`); there the diagonal entries separate and the "
                    "products $a_jb_j$ need not reach Theorem 1's value. Every built-in law has "
                    "$\\tilde\\kappa_3=\\kappa_3$ (see its report).",)),
        Step("dynamics.two_scalar", "Two-scalar convention",
             "Differentiating $L(a,b)$ of step 2 as a function of two scalars multiplies both right-hand sides "
             "by $d$ (the same orbits, time divided by $d$). Reports and `mesatheory.routes.ode` use the "
             "per-entry convention.",
             (Result("-\\partial_a L\\ (d=3)", two_scalar_rhs(3)[0]),
              Result("-\\partial_b L\\ (d=3)", two_scalar_rhs(3)[1])),
             f"Equal to $d\\cdot$(per-entry right-hand sides) for d = 2, 3: {two_scalar_ok}.",
             "symbolic $T$; explicit $d = 2, 3$", holds=two_scalar_ok),
        Step("dynamics.conserved", "Conserved quantity",
             "$\\frac{d}{d\\tau}(a^2-b^2) = 2a\\,b\\,g - 2b\\,a\\,g$ with $g = A-Kab$:",
             (Result("\\tfrac{d}{d\\tau}(a^2-b^2)", facts.conservation),),
             "SymPy `simplify` of the derivative along the flow.", "symbolic $a, b, T$, κ's",
             holds=facts.conservation == 0),
        Step("dynamics.fixed_point", "Fixed-point product (Theorem 1)",
             "Stationary points off the origin need $g=0$, i.e. $c = ab = c^*$:",
             (Result("c^*", facts.fixed_point),),
             f"Identical to `mesatheory.theory.product_from_kappas` with symbolic κ's and $T$: {theory_ok}; the "
             "tests compare the integrated flow (`mesatheory.routes.ode.solve_flow`) with it.",
             "symbolic $T$, κ's", holds=theory_ok),
        Step("dynamics.basin", "Basin of attraction: every start except $a_0+b_0=0$",
             "Along the flow $\\frac{d}{d\\tau}(a+b) = (a+b)g$ and $\\frac{d}{d\\tau}(a-b) = -(a-b)g$, so "
             "$a+b$ never changes sign and the line $a+b=0$ is invariant. On it $c=-a^2\\le 0<c^*$, so $g\\ge A>0$ "
             "and $\\dot a=-ag$: the flow runs into the origin, a saddle (eigenvalues $\\pm A$; stable direction "
             "$(1,-1)$, unstable $(1,1)$). Off that line $|a+b|$ grows while $c<c^*$, so $a^2+b^2\\ge (a+b)^2/2$ "
             "stays bounded away from 0 and $\\dot c=(a^2+b^2)g = K(c^*-c)\\sqrt{D^2+4c^2}$ "
             "($D=a^2-b^2$) drives $c$ monotonically to $c^*$.",
             (Result("\\tfrac{d}{d\\tau}(a+b)-(a+b)g", facts.sum_equation),
              Result("\\tfrac{d}{d\\tau}(a-b)+(a-b)g", facts.difference_equation),
              Result("\\dot c-(a^2+b^2)g", facts.c_equation),
              Result("(a^2+b^2)^2-(D^2+4c^2)", facts.norm_identity), *origin),
             "Each identity simplifies to 0; the eigenvectors are SymPy's `eigenvects` of the Jacobian at the "
             "origin.", "symbolic $a, b, T$, κ's",
             holds=all(e == 0 for e in (facts.sum_equation, facts.difference_equation, facts.c_equation,
                                        facts.norm_identity))),
        Step("dynamics.rate", "Linearised rate at the fixed point",
             "Linearising $\\dot c = K(c^*-c)\\sqrt{D^2+4c^2}$ at $c^*$; equivalently, on the hyperbola $ab=c^*$ "
             "the Jacobian of $(\\dot a,\\dot b)$ has eigenvalues $0$ (along the hyperbola of fixed points) and "
             "$-K(a^2+b^2) = -K\\sqrt{D^2+4c^{*2}}$:",
             (Result("\\partial_c \\dot c\\,\\big|_{c^*}", facts.c_rate),
              Result("\\text{eigenvalues} - (0, -K(a^2+b^2))", sp.Tuple(*facts.fixed_eigen))),
             "Derivative and eigenvalues by SymPy; the eigenvalue difference simplifies to 0.",
             "symbolic", holds=all(e == 0 for e in facts.fixed_eigen)),
        Step("dynamics.closed_form", "Closed form of the separable equation for $c$",
             "$d\\tau = dc/(K(c^*-c)\\sqrt{D^2+4c^2})$. The substitution $u=1/(c^*-c)$ turns it into "
             "$\\int du/\\sqrt{s^2u^2-8c^*u+4}$ with $s=\\sqrt{D^2+4c^{*2}}$, a logarithm; back in $c$: "
             "$K\\tau = \\Phi(c)-\\Phi(c_0)$ on either side of $c^*$ (the flow never crosses it), with",
             (Result("\\Phi(c)", facts.closed_form),
              Result("\\Phi'(c)(c^*-c)\\sqrt{D^2+4c^2}-1\\ (c<c^*,\\ c>c^*)",
                     sp.Tuple(*facts.closed_form_residuals))),
             "Differentiated back into the ODE: the residual simplifies to 0 below and above $c^*$. The tests "
             "compare $\\tau(c)$ with `mesatheory.routes.ode.solve_flow` (DOP853).", "symbolic",
             holds=all(e == 0 for e in facts.closed_form_residuals)),
    ]
