"""Run every claim of the paper for one law and collect the verdicts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from .claims.assumption2 import check_assumption2
from .claims.base import Setting, Verdict
from .claims.beyond import check_masked_limit
from .claims.capability import check_limit, check_ratio, check_recovery_condition, check_recovery_finite_T
from .claims.theorem1 import check_closed_form, check_cubature, check_monte_carlo, check_ode
from .laws import Law
from .registry import get_law

ClaimCheck = Callable[[Setting], Verdict]

CLAIMS: list[ClaimCheck] = [
    check_assumption2,
    check_closed_form,
    check_ode,
    check_monte_carlo,
    check_cubature,
    check_ratio,
    check_limit,
    check_recovery_condition,
    check_recovery_finite_T,
    check_masked_limit,
]


def _json_number(value: Any) -> Any:
    """Floats that JSON can hold (``inf``/``nan`` become ``None``); other values unchanged."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class VerifyResult:
    """The verdicts of one ``verify`` run; ``to_dict()`` is the CLI's ``--json`` object."""

    setting: Setting
    claims: list[Verdict]

    @property
    def passed(self) -> bool:
        """``True`` when no applicable claim failed."""
        return all(v.passed is not False for v in self.claims)

    def to_dict(self) -> dict[str, Any]:
        s = self.setting
        k = s.kappas
        return {
            "law": {"name": s.law.name, "params": {key: str(v) for key, v in s.law.params.items()}},
            "d": s.d, "T": s.T, "seed": s.seed, "a0": s.a0, "b0": s.b0, "samples": s.samples,
            "kappa": {**{name: _json_number(float(v)) for name, v in k.items()},
                      "exact": {name: str(v) for name, v in k.items()}},
            "claims": [{key: _json_number(val) for key, val in v.to_dict().items()} for v in self.claims],
            "passed": self.passed,
        }


def verify(law: Law | str, d: int = Setting.d, T: int = Setting.T, seed: int = Setting.seed,
           a0: float = Setting.a0, b0: float = Setting.b0, samples: int = Setting.samples, progress: Callable[[str], None] | None = None) -> VerifyResult:
    """Check every claim of the paper for ``law`` (a :class:`Law` or a spec like ``"gaussian:sigma=2"``).

    ``progress``, if given, is called with each claim's id before it runs.
    """
    setting = Setting(law=get_law(law), d=d, T=T, a0=a0, b0=b0, samples=samples, seed=seed)
    verdicts = []
    for check in CLAIMS:
        if progress is not None:
            progress(check.__name__.removeprefix("check_"))
        verdicts.append(check(setting))
    return VerifyResult(setting, verdicts)
