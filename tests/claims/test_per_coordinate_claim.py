"""``theorem1.per_coordinate``: passes for the scaled law, is not applicable where it does not describe the flow, and
fails when the fixed points or the flow are wrong."""

import dataclasses

import numpy as np
import pytest

import mesatheory.claims.per_coordinate as per_coordinate
from mesatheory.claims.base import Setting
from mesatheory.claims.beyond import check_masked_limit
from mesatheory.laws import get_law

SIZE = dict(d=2, T=8)


def _setting(spec: str = "scaled") -> Setting:
    return Setting(get_law(spec), **SIZE)


def test_the_full_flow_reaches_the_per_coordinate_fixed_points():
    verdict = per_coordinate.check_per_coordinate(_setting())
    assert verdict.passed is True
    assert verdict.evidence["relative_error"] < 1e-8
    assert verdict.evidence["loss_trained"] < verdict.evidence["loss_best_vanilla_gd"]


@pytest.mark.parametrize("spec,why", [("gaussian", "i.i.d."), ("sparse", "moments agree"),
                                      ("scaled:ratio=1", "moments agree")])
def test_exchangeable_laws_are_not_applicable(spec, why):
    verdict = per_coordinate.check_per_coordinate(_setting(spec))
    assert verdict.passed is None and why in verdict.reason


def test_a_flow_that_leaves_the_diagonal_is_not_applicable(monkeypatch):
    monkeypatch.setattr(per_coordinate, "offdiagonal_gradient", lambda s: 1.0)
    verdict = per_coordinate.check_per_coordinate(_setting())
    assert verdict.passed is None and "leaves" in verdict.reason


def test_wrong_fixed_points_fail(monkeypatch):
    real = per_coordinate.fixed_point
    monkeypatch.setattr(per_coordinate, "fixed_point", lambda *a: dataclasses.replace(
        real(*a), a=real(*a).a * (1 + 1e-7)))
    assert per_coordinate.check_per_coordinate(_setting()).passed is False


def test_a_flow_off_its_limit_fails(monkeypatch):
    real = per_coordinate.unmasked_flow

    def planted(s):
        path = real(s)
        P = path.P.copy()
        P[-1, 1, 1] *= 1 + 1e-6                  # b_2 = W^PV_12[2,2] of the final state
        return dataclasses.replace(path, P=P)
    monkeypatch.setattr(per_coordinate, "unmasked_flow", planted)
    assert per_coordinate.check_per_coordinate(_setting()).passed is False


def test_beyond_claims_defer_to_it():
    verdict = check_masked_limit(_setting())
    assert verdict.passed is None and "theorem1.per_coordinate" in verdict.reason


def test_the_evidence_is_per_coordinate():
    evidence = per_coordinate.check_per_coordinate(_setting()).evidence
    assert len(evidence["c_fixed_point"]) == 2
    assert np.allclose(np.array(evidence["a_flow"]) * np.array(evidence["b_flow"]), evidence["c_flow"])


def test_a_trained_model_no_better_than_vanilla_gd_fails(monkeypatch):
    from mesatheory.model.quartic import QuarticLoss
    monkeypatch.setattr(QuarticLoss, "loss", lambda self, P, Q: 1.0)      # trained and vanilla losses equal
    assert per_coordinate.check_per_coordinate(_setting()).passed is False


def test_tables_over_budget_and_the_saddle_are_not_applicable(monkeypatch):
    from mesatheory.errors import Unavailable
    saddle = per_coordinate.check_per_coordinate(Setting(get_law("scaled"), d=2, T=8, a0=0.5, b0=-0.5))
    assert saddle.passed is None and "saddle" in saddle.reason

    def over_budget(self, positions=None):
        raise Unavailable("the tables need 1e12 bytes")
    monkeypatch.setattr(Setting, "population_loss", over_budget)
    verdict = per_coordinate.check_per_coordinate(_setting())
    assert verdict.passed is None and "declined: the tables need" in verdict.reason
