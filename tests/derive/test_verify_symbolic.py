"""``verify --symbolic``: the symbolic block in the text and the JSON, valid against the shipped schema."""

import json

import pytest

from mesatheory import verify
from mesatheory.cli import main
from mesatheory.errors import InputError
from mesatheory.laws import law_from_sympy
from mesatheory.schema import validate

SIZE = dict(d=2, T=6, samples=1024)


def test_the_block_has_the_paper_formula_and_its_value():
    data = verify("gaussian:sigma=2", symbolic=True, **SIZE).to_dict()
    validate(data)
    results = {r["name"]: r for r in data["symbolic"]["results"]}
    assert results["limit"]["expression"] == "1/(5*sigma**2)" and results["limit"]["value"] == "1/20"
    assert results["product"]["float"] == pytest.approx(data["kappa"]["k1"] / (
        data["kappa"]["k2"] + data["kappa"]["k3"] * (1 + 1 / 2 + 1 / 3 + 1 / 4) / 4))
    assert data["symbolic"]["recovery"] == "never"


def test_without_the_flag_there_is_no_block():
    assert "symbolic" not in verify("gaussian", **SIZE).to_dict()


def test_a_user_law_has_a_null_block_that_validates():
    import sympy.stats as st
    data = verify(law_from_sympy(st.Uniform("u", -1, 1)), symbolic=True, **SIZE).to_dict()
    validate(data)
    assert data["symbolic"] is None


def test_a_wrong_block_does_not_validate():
    data = verify("sparse", symbolic=True, **SIZE).to_dict()
    data["symbolic"]["results"][0]["name"] = "kappa_9"
    with pytest.raises(InputError, match="symbolic"):
        validate(data)


def test_cli_prints_the_block(capsys):
    main(["verify", "--dist", "laplace:scale=1/2", "--d", "2", "--T", "6", "--samples", "1024", "--symbolic"])
    out = capsys.readouterr().out
    assert "symbolic, in laplace's parameters" in out and "limit" in out
    main(["verify", "--dist", "laplace", "--d", "2", "--T", "6", "--samples", "1024", "--symbolic", "--json"])
    assert json.loads(capsys.readouterr().out)["symbolic"]["family"] == "laplace"
