"""Assertions for a user's tests: a claim holds, and its numbers lie in its own band.

The band is read from the verdict's machine-readable fields (:class:`~mesatheory.claims.tolerance.Tolerance`), so
an assertion never re-states a tolerance: it uses the one the claim decided with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..claims.base import Verdict
from ..verify import VerifyResult


def _number(value: Any) -> float | None:
    """``value`` if it is a real number (not a bool, not text), else ``None``."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def band_holds(verdict: Verdict | Mapping[str, Any]) -> bool | None:
    """Whether a verdict's measured value lies in its own band, from the numbers alone.

    With ``e = measured − expected``: ``exact`` needs ``e = 0``, ``relative`` ``|e| ≤ band·|expected|``,
    ``absolute`` ``|e| ≤ band``, ``z`` ``|e/SE + shift| ≤ band`` (the bias-corrected z-score) or
    ``|e| ≤ allowance``; an ``"above"`` band needs ``measured > band`` (``relative``) or ``measured > band·SE``
    (``z``).

    Args:
        verdict: a :class:`~mesatheory.claims.base.Verdict` or its JSON dict (an entry of ``verify --json``).

    Returns:
        The decision, or ``None`` when the numbers do not decide it: no band, an expected or measured value that
        is not a number, or a combined band with no single SE.
    """
    data = verdict.to_dict() if isinstance(verdict, Verdict) else verdict
    band, e, m = data.get("band"), _number(data.get("expected")), _number(data.get("measured"))
    if band is None or m is None:
        return None
    kind, width, se = band["kind"], band["band"], band["se"]
    if kind == "z" and se is None:
        return None
    if band["accept"] == "above":
        return bool(m > (width * se if kind == "z" else width))
    if e is None:
        return None
    error = abs(m - e)
    if kind == "z":
        return bool(se > 0 and abs((m - e) / se + band["shift"]) <= width or error <= band["allowance"])
    if kind == "exact":
        return bool(error == 0)
    if kind == "relative":
        return bool(error <= width * abs(e))
    return bool(error <= width + band["allowance"])


def _describe(v: Verdict) -> str:
    return (f"{v.id} ({v.paper or 'no paper name'}): expected {v.expected}, measured {v.measured}, "
            f"tolerance {v.tolerance}; {v.reason}")


def assert_holds(verdict: Verdict, allow_not_applicable: bool = False) -> None:
    """Assert that a claim holds, and that its measured value is inside its own band.

    Args:
        verdict: the verdict of a claim check (``check(setting)``).
        allow_not_applicable: accept a claim whose precondition fails (``passed is None``), e.g. for laws drawn
            beyond Assumption 2.

    Raises:
        AssertionError: the claim failed, was not applicable (unless allowed), or passed with numbers outside its
            band; the message shows the claim, both values, the band and the reason.
    """
    if verdict.passed is None:
        if not allow_not_applicable:
            raise AssertionError(f"not applicable: {_describe(verdict)}")
    elif not verdict.passed:
        raise AssertionError(f"FAILED: {_describe(verdict)}")
    elif band_holds(verdict) is False:
        raise AssertionError(f"passed outside its own band: {_describe(verdict)}")


def assert_verified(result: VerifyResult, min_decided: int = 1) -> None:
    """Assert that every claim of a :func:`mesatheory.verify` run holds (and is inside its band).

    Args:
        result: the run.
        min_decided: the fewest claims of the paper that must have been decided (a run that decides none is no
            evidence).

    Raises:
        AssertionError: a claim failed, or fewer than ``min_decided`` claims were decided.
    """
    for verdict in result.claims:
        assert_holds(verdict, allow_not_applicable=True)
    if len(result.decided) < min_decided:
        raise AssertionError(f"only {len(result.decided)} claims decided, fewer than {min_decided}")
