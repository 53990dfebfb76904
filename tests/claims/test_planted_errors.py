"""Every branch of every claim can fail: plant an error in what the branch computes and see its verdict fail.

Each row plants one error in one branch — an exact route's value, a sampled estimator's value, or a symbolic
identity — and leaves every other branch intact, so the row shows that this very branch decides the verdict.
The baseline (nothing planted) must pass, so the failure is the planted error's doing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

import mesatheory.claims.beyond as beyond
import mesatheory.claims.corollary1 as corollary1
import mesatheory.claims.recovery as recovery
import mesatheory.claims.sampler as sampler
import mesatheory.claims.theorem1 as theorem1
import mesatheory.claims.theorem2 as theorem2
import mesatheory.routes.montecarlo as montecarlo
from mesatheory.claims.base import Setting
from mesatheory.laws import get_law
from mesatheory.model.quartic import QuarticLoss
from mesatheory.routes.montecarlo import Estimate


def _scaled_estimate(module, name: str, factor: float) -> Callable:
    """``module.name`` with its :class:`Estimate` value multiplied by ``factor`` (same SE)."""
    real = getattr(module, name)

    def planted(*args, **kwargs):
        est = real(*args, **kwargs)
        return dataclasses.replace(est, value=est.value * factor)
    return planted


def _scaled_capability(key: str, factor: float) -> Callable:
    """``capability_estimates`` with the estimate of ``key`` multiplied by ``factor``."""
    real = theorem2.capability_estimates

    def planted(s):
        out = dict(real(s))
        out[key] = dataclasses.replace(out[key], value=out[key].value * factor)
        return out
    return planted


def _scaled_population(factor: float) -> Callable:
    """``Setting.population_loss`` with the loss's constant scaled (an error in the exact tables)."""
    real = Setting.population_loss

    def planted(self, positions=None):
        pop = real(self, positions)
        return dataclasses.replace(pop, const=pop.const * factor)
    return planted


GAUSS = dict(spec="gaussian", d=3, T=12, samples=4096)
FULL_ONE = dict(spec="full_one", d=2, T=6, samples=2048)

# (claim check, setting, where the error goes, the planted replacement)
PLANTS = [
    ("sampler.moments: sampled", sampler.check_sampler, GAUSS, (sampler, "mean_estimate"),
     lambda real: lambda values: dataclasses.replace(real(values), value=real(values).value * 1.2)),
    ("theorem1.monte_carlo: phase-averaged", theorem1.check_monte_carlo, dict(GAUSS, samples=8192),
     (theorem1, "phase_averaged_estimate"), lambda real: _scaled_estimate(theorem1, "phase_averaged_estimate", 1.05)),
    ("theorem1.monte_carlo: sequences", theorem1.check_monte_carlo, GAUSS,
     (montecarlo, "loss_statistics"), lambda real: lambda X: tuple(v * 1.03 for v in real(X))),
    ("theorem1.cubature: exact tables", theorem1.check_cubature, GAUSS, (Setting, "population_loss"),
     lambda real: _wrong_diagonal(real)),
    ("corollary1: symbolic", corollary1.check_corollary1, GAUSS, (corollary1, "corollary1_holds"),
     lambda real: lambda d: False),
    ("corollary1: numeric", corollary1.check_corollary1, GAUSS, (corollary1, "diagonal_predictions"),
     lambda real: lambda X, a, b: real(X, a, b) * (1 + 1e-6)),
    ("theorem2.ratio: exact", theorem2.check_ratio, GAUSS, (theorem2, "expectation"),
     lambda real: lambda *a, **k: real(*a, **k) * (1 + 1e-6)),
    ("theorem2.ratio: sampled", theorem2.check_ratio, GAUSS, (theorem2, "capability_estimates"),
     lambda real: _scaled_capability("ratio", 1.5)),
    ("theorem2.limit: exact", theorem2.check_limit, GAUSS, (theorem2, "limit_loss"),
     lambda real: lambda k, d: real(k, d) * 2),
    ("theorem2.limit: sampled", theorem2.check_limit, GAUSS, (theorem2, "capability_estimates"),
     lambda real: _scaled_capability("limit", 1.5)),
    ("recovery.condition: exact", recovery.check_recovery_condition, GAUSS, (recovery, "recovery"),
     lambda real: lambda k, d: dataclasses.replace(real(k, d), category="asymptotic (T → ∞)")),
    ("recovery.condition: sampled", recovery.check_recovery_condition, GAUSS, (recovery, "capability_estimates"),
     lambda real: _scaled_capability("limit", 1.5)),
    ("recovery.finite_T: exact tables", recovery.check_recovery_finite_T, GAUSS, (Setting, "population_loss"),
     lambda real: _scaled_population(1 + 1e-6)),
    ("recovery.finite_T: sampled", recovery.check_recovery_finite_T, GAUSS, (recovery, "capability_estimates"),
     lambda real: _scaled_capability("trained", 1.5)),
    ("beyond.not_one_step_gd: exact losses", beyond.check_not_one_step_gd, FULL_ONE, (QuarticLoss, "loss"),
     lambda real: lambda self, P, Q: 1.0),
    ("beyond.not_one_step_gd: sampled margin", beyond.check_not_one_step_gd, FULL_ONE, (beyond, "mean_estimate"),
     lambda real: lambda values: Estimate(0.0, 1.0, len(values))),
    ("beyond.masked_limit: masked full flow", beyond.check_masked_limit, FULL_ONE, (beyond, "solve_full_flow"),
     lambda real: lambda pop, a0, b0, mask=False, **k: real(pop, a0, b0, mask=False, **k)),
]


def _wrong_diagonal(real: Callable) -> Callable:
    """``Setting.population_loss`` whose diagonal statistics are 1e-6 off."""
    def planted(self, positions=None):
        pop = real(self, positions)
        return dataclasses.replace(pop, lin=pop.lin * (1 + 1e-6))
    return planted


def _setting(spec: str, **kw) -> Setting:
    return Setting(get_law(spec), **kw)


@pytest.mark.parametrize("label,check,setting,target,plant", PLANTS, ids=[p[0] for p in PLANTS])
def test_a_planted_error_fails_the_branch(label, check, setting, target, plant, monkeypatch):
    kw = dict(setting)
    spec = kw.pop("spec")
    assert check(_setting(spec, **kw)).passed is True, f"{label}: the baseline must pass"
    owner, name = target
    monkeypatch.setattr(owner, name, plant(getattr(owner, name)))
    verdict = check(_setting(spec, **kw))
    assert verdict.passed is False, f"{label}: the planted error was not caught ({verdict.reason})"


def test_a_sampler_with_the_wrong_scale_fails_the_sampled_routes():
    """A law whose sampler draws 1.05·x while its moments are those of x: both the sampler check and the
    phase-averaged Monte Carlo (which uses no exact moment) catch it."""
    from sympy.stats import Normal

    from mesatheory.laws.base import IIDLaw
    law = IIDLaw(name="bad_sampler", params={}, rv=Normal("x", 0, 1),
                 sampler=lambda rng, n, d: 1.05 * rng.standard_normal((n, d)))
    s = Setting(law, d=3, T=12, samples=4096)
    assert sampler.check_sampler(s).passed is False
    assert theorem1.check_monte_carlo(s).passed is False


def test_exact_lattice_rule_matches_the_grid_rule_where_both_run():
    """The rank-1 lattice phase rule of theorem2.ratio agrees with the full roots-of-unity grid."""
    from mesatheory.model.diagonal import targets, unit_predictions
    from mesatheory.routes.cubature import expectation
    law = get_law("laplace")

    def ratio(X):
        return (unit_predictions(X) / targets(X)).real.mean(axis=2)
    grid = expectation(law, 2, 7, ratio, nodes=2)
    lattice = expectation(law, 2, 7, ratio, lattice=True, nodes=2)
    np.testing.assert_allclose(lattice, grid, rtol=1e-12)
