"""The paper's default setting for every built-in law (the issue's 'done when')."""

import pytest

from mesatheory import builtin_laws, verify

LAWS = [law.spec for law in builtin_laws()]


@pytest.mark.parametrize("spec", LAWS)
def test_defaults_every_builtin_law(spec):
    result = verify(spec)
    assert result.passed
    claims = {c.id: c for c in result.claims}
    if spec.startswith("full_one"):
        assert claims["assumption2"].passed is None
        assert all(c.passed is None for cid, c in claims.items() if cid.startswith("theorem1."))
    else:
        assert claims["assumption2"].passed is True
        for cid in ("theorem1.closed_form", "theorem1.ode", "theorem1.monte_carlo"):
            assert claims[cid].passed is True, claims[cid]


def test_small_setting_runs_all_four_ways():
    result = verify("uniform:width=3", d=2, T=10, samples=4096, seed=2)
    claims = {c.id: c.passed for c in result.claims}
    assert all(claims[cid] is True for cid in ["assumption2", "theorem1.closed_form", "theorem1.ode",
                                               "theorem1.monte_carlo", "theorem1.cubature", "theorem2.ratio"])
    assert result.passed


def test_same_seed_same_numbers():
    a = verify("laplace", d=3, T=20, samples=2048, seed=9).to_dict()
    b = verify("laplace", d=3, T=20, samples=2048, seed=9).to_dict()
    assert a == b
