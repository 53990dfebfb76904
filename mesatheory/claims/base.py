"""What a claim check returns: a verdict with the evidence behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import sympy as sp

from .. import paper
from .._io import native
from ..errors import LawError
from ..laws import FAMILIES, Decision, Kappas, Law, decide_assumption2, kappas
from ..theory import product_from_kappas
from .tolerance import Tolerance

if TYPE_CHECKING:
    from ..routes.montecarlo import Estimate


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one claim of the paper.

    Attributes:
        id: claim id, e.g. ``"theorem1.closed_form"`` (the slides' numbering, docs/paper.md §0; ``paper``
            gives the paper's).
        statement: the claim in one sentence.
        expected: the theory's value (a number, or text for symbolic claims).
        measured: what the check found.
        tolerance: the acceptance band (:class:`~mesatheory.claims.tolerance.Tolerance`: kind, number, SE, z;
            it prints as its words, e.g. ``5·SE = 0.0021``), ``None`` when nothing was measured.
        passed: ``True``/``False``, or ``None`` when the claim is not applicable (``reason`` says why).
        method: how it was checked.
        reason: why it is not applicable, or a short explanation of the outcome.
        paper: the paper's name for the claim (``"Theorem 4.1"``).
        evidence: extra data for JSON consumers (standard errors, trajectories, gradients, ...).
        method_id: a stable identifier of the method (``"numeric.reduced_ode"``); the claim id when the claim
            names none.
    """

    id: str
    statement: str
    expected: Any
    measured: Any
    tolerance: Tolerance | None
    passed: bool | None
    method: str
    reason: str = ""
    paper: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    method_id: str = ""

    def __post_init__(self) -> None:
        # NumPy scalars become plain Python values, so verdicts compare with `is` and serialise to JSON
        for name in ("expected", "measured", "passed", "evidence"):
            object.__setattr__(self, name, native(getattr(self, name)))
        if self.tolerance is not None and not isinstance(self.tolerance, Tolerance):
            raise TypeError(f"{self.id}: the tolerance must be a Tolerance (kind, band, SE, z for --json), not "
                            f"{type(self.tolerance).__name__} {self.tolerance!r}")

    def to_dict(self) -> dict[str, Any]:
        """The verdict as a dict of its fields (the ``claims`` entries of ``verify --json``).

        Returns:
            ``{"id", "paper", "statement", "expected", "measured", "tolerance", "band", "passed", "method",
            "method_id", "reason", "evidence"}``: ``tolerance`` is the band in words, ``band`` its numbers
            (:meth:`~mesatheory.claims.tolerance.Tolerance.to_dict`, ``None`` with no band).
        """
        tol = self.tolerance
        return {
            "id": self.id, "paper": self.paper, "statement": self.statement,
            "expected": self.expected, "measured": self.measured, "tolerance": None if tol is None else tol.text,
            "band": None if tol is None else tol.to_dict(), "passed": self.passed, "method": self.method,
            "method_id": self.method_id or self.id, "reason": self.reason, "evidence": self.evidence,
        }


def within_se(est: Estimate, expected: float) -> tuple[bool, float, Tolerance]:
    """Whether a sampled estimate agrees with the theory within its own standard error.

    Accepts ``|z| ≤ Z`` with the bias-corrected z-score :meth:`~mesatheory.routes.montecarlo.Estimate.z`
    (the band ``Z·SE`` centred ``skewness/(2√n)`` SE away from the estimate) and ``Z =``
    :data:`mesatheory.paper.Z_BAND`; also accepts ``|value − expected| ≤ ε·max(|expected|, 1)`` with ``ε =``
    :data:`mesatheory.paper.ROUNDING` (float64 rounding, for estimators whose SE is 0).

    Args:
        est: the sampled estimate.
        expected: the theory's value.

    Returns:
        ``(passed, z, tolerance)``: the decision, the z-score (0 when SE = 0) and the band (kind ``z``; its words
        ``5·SE = 0.0027``).
    """
    se, allowance = float(est.se), paper.ROUNDING * max(abs(expected), 1.0)
    z = float(est.z(expected))
    text = f"{paper.Z_BAND:g}·SE = {paper.Z_BAND * se:.2g}"
    if paper.Z_BAND * se < allowance:
        text += f" (+ rounding {allowance:.0e})"
    band = Tolerance("z", paper.Z_BAND, text, se=se, z=z, allowance=allowance, shift=est.z_shift if se > 0 else 0.0)
    return bool(abs(z) <= paper.Z_BAND or abs(est.value - expected) <= allowance), z, band


def rerun_hint(s: Setting, d: int, T: int) -> str:
    """How to run this law at another size: the CLI for a built-in law, the Python API for a user law.

    Args:
        s: the setting (its law).
        d: the dimension to suggest.
        T: the sequence length to suggest.

    Returns:
        The command or call, in backticks.
    """
    if s.law.name in FAMILIES:
        return f"`mesatheory verify --dist {s.law.spec} --d {d} --T {T}`"
    return f"`mesatheory.verify(law, d={d}, T={T})`"


def declined(s: Setting, exc: Exception) -> str:
    """The reason of a route declined by its budget, with a command at a size that fits.

    Args:
        s: the setting.
        exc: the :class:`~mesatheory.errors.Unavailable` the route raised.

    Returns:
        ``"declined: …"`` with the estimate and, where the tables would fit at a smaller ``T``, how to run it.
    """
    from ..routes.population import largest_T
    fit = largest_T(s.d)
    hint = f"; run {rerun_hint(s, s.d, fit)}" if fit is not None and fit < s.T else ""
    return f"declined: {exc}{hint}"


@dataclass(frozen=True)
class Claim:
    """What one check reports as: the claim's id, statement, method (in words and as a stable id) and paper name."""

    id: str
    statement: str
    method: str
    paper: str = ""
    method_id: str = ""

    def verdict(self, expected: Any, measured: Any, tolerance: Tolerance | None, passed: bool | None, reason: str = "",
                evidence: dict[str, Any] | None = None) -> Verdict:
        """The :class:`Verdict` of this claim with the check's outcome.

        Args:
            expected: the theory's value.
            measured: what the check found.
            tolerance: the acceptance band.
            passed: ``True``/``False``, or ``None`` when not applicable.
            reason: a short explanation of the outcome.
            evidence: extra data for JSON consumers.

        Returns:
            The verdict, with this claim's id, statement, method (and its id) and paper name.
        """
        return Verdict(id=self.id, statement=self.statement, expected=expected, measured=measured,
                       tolerance=tolerance, passed=passed, method=self.method, reason=reason, paper=self.paper,
                       evidence=evidence or {}, method_id=self.method_id)

    def not_applicable(self, reason: str, evidence: dict[str, Any] | None = None) -> Verdict:
        """A verdict whose precondition fails: ``passed`` is ``None`` and ``reason`` says which.

        Args:
            reason: why the claim does not apply.
            evidence: extra data for JSON consumers.

        Returns:
            The verdict, with no expected, measured or tolerance value.
        """
        return self.verdict(None, None, None, None, reason, evidence)


@dataclass(frozen=True)
class Setting:
    """Everything a claim check needs: the law, the paper's sizes, the initialisation, the MC budget.

    Defaults are the paper's (``d = 5``, ``T = 100``, ``a_0 = b_0 = 0.1``). The exact quantities are
    computed once per setting and shared by every claim.
    """

    law: Law
    d: int = paper.D
    T: int = paper.T
    a0: float = paper.A0
    b0: float = paper.B0
    samples: int = paper.VERIFY_SAMPLES
    seed: int = paper.VERIFY_SEED

    @cached_property
    def kappas(self) -> Kappas:
        """Exact ``m2, κ1, κ2, κ3`` of the law in dimension ``d``."""
        return kappas(self.law, self.d)

    @cached_property
    def assumption2(self) -> Decision:
        """Assumption 2 (paper's Assumption 4.1), decided exactly."""
        return decide_assumption2(self.law, self.d)

    @cached_property
    def product(self) -> sp.Expr:
        """The exact ``ã·b̃`` of Theorem 1 (``κ1 / (κ2 + κ3 H_{T-2}/(T-2))``)."""
        return product_from_kappas(self.kappas, self.T)

    def population_loss(self, positions: tuple[int, ...] | None = None) -> Any:
        """The exact full-parameter population loss, built once per setting and shared by the claims.

        Args:
            positions: the loss positions ``t`` (default ``2..T-1``, the training loss).

        Returns:
            The exact population loss (:meth:`mesatheory.model.quartic.QuarticLoss.from_law`) of the setting's
            law, ``d`` and ``T``.

        Raises:
            Unavailable: the tables exceed their budget, or a moment the ``x_1`` rule needs is infinite.
        """
        from ..model.quartic import QuarticLoss
        return self.memo(f"population_loss{positions}",
                         lambda: QuarticLoss.from_law(self.law, self.d, self.T, positions))

    def check(self) -> None:
        """Refuse a setting whose numbers float64 cannot carry (the theory is scale-covariant, the floats are not).

        Raises:
            LawError: a finite moment the routes use overflows or underflows float64, or ``x_1 = 0`` almost surely.
        """
        k = self.kappas
        if k.finite and k.k1 == 0:
            raise LawError(f"{self.law.spec}: x_1 = 0 almost surely (κ1 = 0): there is nothing to learn")
        for name, value in [*k.items(), ("E[x^12]", self.law.marginal_moment(12, self.d))]:
            if value.is_finite and value != 0 and not 1e-290 < abs(float(value)) < 1e290:
                raise LawError(f"{self.law.spec}: {name} = {sp.N(value, 3)} is outside what float64 carries "
                               "(|value| in 1e-290 … 1e290); rescale the law (the theory scales as c*(s·x) = c*(x)/s²)")

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per setting instance (for evidence that several claims share).

        Args:
            key: the name the value is stored under.
            compute: computes the value on the first call.

        Returns:
            The stored value.
        """
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]
