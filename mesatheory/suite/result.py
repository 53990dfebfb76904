"""The outcome of a suite: per job the ``verify --json`` object (or its error), and the totals over the claims."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..claims import PRECONDITIONS
from .spec import Job, Suite

CHECK_RESULT = "mesatheory/check-result/1"
"""The ``"schema"`` field of ``results.json``: its name and version."""


@dataclass(frozen=True)
class JobOutcome:
    """What one job produced: the ``verify --json`` object, or the one-line error of a refused setting.

    Attributes:
        job: the job.
        result: :meth:`mesatheory.VerifyResult.to_dict` (every claim; the job's patterns apply when reported).
        error: the message of a :class:`~mesatheory.errors.MesatheoryError` the run raised, else ``None``.
        seconds: the wall time of the run (JUnit shows it; it is not part of the results).
    """

    job: Job
    result: dict[str, Any] | None
    error: str | None
    seconds: float

    @property
    def claims(self) -> list[dict[str, Any]]:
        """The verdicts this job reports (its claim patterns applied), as JSON dicts."""
        return [c for c in (self.result or {}).get("claims", []) if self.job.reports(c["id"])]


@dataclass(frozen=True)
class SuiteResult:
    """Every job's outcome, in the suite's order, and the totals a CI job acts on."""

    suite: Suite
    outcomes: tuple[JobOutcome, ...]

    def cases(self) -> Iterator[tuple[JobOutcome, dict[str, Any]]]:
        """Every reported verdict with its job: the test cases of the JUnit report.

        Yields:
            ``(outcome, verdict)`` pairs, jobs in order, claims in ``verify``'s order.
        """
        for outcome in self.outcomes:
            for claim in outcome.claims:
                yield outcome, claim

    @property
    def totals(self) -> dict[str, int]:
        """Counts over the reported verdicts: ``passed``, ``failed``, ``not_applicable``; ``errors`` over jobs."""
        verdicts = [c["passed"] for _, c in self.cases()]
        return {"jobs": len(self.outcomes), "passed": verdicts.count(True), "failed": verdicts.count(False),
                "not_applicable": sum(v is None for v in verdicts),
                "errors": sum(o.error is not None for o in self.outcomes)}

    @property
    def decided(self) -> int:
        """How many reported claims of the paper (preconditions left out) were decided."""
        return sum(c["passed"] is not None and c["id"] not in PRECONDITIONS for _, c in self.cases())

    @property
    def passed(self) -> bool:
        """``True`` when no reported claim failed and no job raised an error."""
        totals = self.totals
        return totals["failed"] == 0 and totals["errors"] == 0

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON data (``results.json``); no timings, so equal runs give equal files.

        Returns:
            ``{"schema", "suite", "jobs", "totals", "passed"}``; each job is ``{"label", "job", "error",
            "result"}`` with the full ``verify --json`` object (``mesatheory/verify-result/1``).
        """
        return {
            "schema": CHECK_RESULT,
            "suite": {"name": self.suite.name, "description": self.suite.description},
            "jobs": [{"label": o.job.label, "job": o.job.to_dict(), "error": o.error, "result": o.result}
                     for o in self.outcomes],
            "totals": self.totals, "passed": self.passed,
        }
