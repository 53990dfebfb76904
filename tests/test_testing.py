"""mesatheory.testing: the strategies draw what they promise, the assertions fail when a claim does."""

import dataclasses
import re
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings

from mesatheory import get_law
from mesatheory.claims.assumption2 import check_assumption2
from mesatheory.claims.base import Setting
from mesatheory.claims.theorem1 import check_closed_form, check_cubature
from mesatheory.laws import FAMILIES
from mesatheory.testing import (
    assert_holds,
    assert_verified,
    band_holds,
    builtin_specs,
    claim_settings,
    finite_symmetric_laws,
    inits,
    sympy_laws,
)
from mesatheory.verify import VerifyResult

README = Path(__file__).resolve().parents[1] / "README.md"


@settings(max_examples=30)
@given(builtin_specs())
def test_builtin_specs_parse_and_stay_in_range(spec):
    law = get_law(spec)
    assert law.name in FAMILIES and law.spec == get_law(law.spec).spec


@settings(max_examples=10)
@given(builtin_specs(["sparse", "student_t"]))
def test_builtin_specs_can_be_restricted(spec):
    assert spec.split(":")[0] in ("sparse", "student_t")


def test_unknown_family_is_refused():
    with pytest.raises(KeyError):
        builtin_specs(["cauchy"])


@settings(max_examples=40)
@given(inits())
def test_inits_avoid_the_saddle_line(ab):
    assert ab[0] + ab[1] != 0 and max(abs(ab[0]), abs(ab[1])) <= 1


@settings(max_examples=5)
@given(finite_symmetric_laws())
def test_finite_symmetric_laws_are_symmetric(law):
    assert all(law.marginal_moment(p, 1) == 0 for p in (1, 3))


@settings(max_examples=5)
@given(sympy_laws())
def test_sympy_laws_are_centred_and_meet_assumption2(law):
    assert law.marginal_moment(1, 1) == 0 and check_assumption2(Setting(law, d=2, T=5)).passed is True


@pytest.mark.slow
@settings(max_examples=12)
@given(claim_settings(law=builtin_specs().map(get_law)))
def test_closed_form_holds_for_drawn_builtin_settings(setting):
    assert_holds(check_closed_form(setting), allow_not_applicable=True)


def _wrong(verdict, **changes):
    return dataclasses.replace(verdict, **changes)


def test_assert_holds_fails_when_the_claim_does():
    s = Setting(get_law("gaussian"), d=2, T=6)
    right = check_cubature(s)
    assert_holds(right)
    s.__dict__["product"] = s.product * sp.Rational(101, 100)     # a theory one percent off
    with pytest.raises(AssertionError, match=r"FAILED: theorem1\.cubature"):
        assert_holds(check_cubature(s))
    with pytest.raises(AssertionError, match="passed outside its own band"):
        assert_holds(_wrong(right, measured=right.expected * 1.01))
    with pytest.raises(AssertionError, match="not applicable"):
        assert_holds(check_closed_form(Setting(get_law("full_one"), d=2, T=6)))


def test_assert_verified_needs_decided_claims():
    s = Setting(get_law("gaussian"), d=2, T=6)
    verdicts = [check_assumption2(s), check_cubature(s)]
    assert_verified(VerifyResult(s, verdicts))
    with pytest.raises(AssertionError, match="only 0 claims decided"):
        assert_verified(VerifyResult(s, verdicts[:1]))
    with pytest.raises(AssertionError, match="FAILED"):
        assert_verified(VerifyResult(s, [*verdicts, _wrong(verdicts[1], passed=False)]))


def test_readme_example_runs():
    section = README.read_text(encoding="utf-8").split("## Property-based tests in your own suite", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README example", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_")]
    assert len(tests) == 1
    tests[0]()


def test_a_z_band_is_read_with_its_bias_correction():
    """``band_holds`` decides a z band as the claim did: by ``e/SE + shift``, not by ``e/SE`` alone."""
    def verdict(measured, shift):
        return {"expected": 1.0, "measured": measured,
                "band": {"kind": "z", "band": 5.0, "se": 0.1, "z": None, "allowance": 0.0, "accept": "within",
                         "shift": shift}}
    assert band_holds(verdict(1.52, -0.3)) is True      # e/SE = 5.2, corrected 4.9
    assert band_holds(verdict(1.48, +0.3)) is False     # e/SE = 4.8, corrected 5.1
    assert band_holds(verdict(1.48, 0.0)) is True
