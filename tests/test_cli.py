"""The command line: exit codes, one-line errors, the JSON schema, the verdict table."""

import json
import subprocess
import sys

import pytest
import sympy as sp

import mesatheory.claims.base as base
from mesatheory.cli import main

SMALL = ["--d", "2", "--T", "8", "--samples", "2048"]


@pytest.mark.parametrize("argv", [
    [],
    ["frobnicate"],
    ["verify", "--dist", "cauchy"],
    ["verify", "--dist", "gaussian:sigma=-2"],
    ["verify", "--dist", "gaussian:mu=1"],
    ["verify", "--dist", "gaussian:sigma=x"],
    ["verify", "--dist", "gaussian:"],
    ["verify", "--d", "0"],
    ["verify", "--d", "x"],
    ["verify", "--d", "1000"],
    ["verify", "--T", "2"],
    ["verify", "--samples", "10"],
    ["verify", "--seed", "-1"],
    ["verify", "--a0", "nan"],
    ["verify", "--b0", "inf"],
    ["verify", "--a0", "one"],
    ["verify", "--bogus"],
    ["laws", "--d", "0"],
])
def test_bad_input_exits_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "error" in err and "Traceback" not in err


def test_json_schema(capsys):
    assert main(["verify", "--dist", "gaussian:sigma=2", *SMALL, "--seed", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["law"] == {"name": "gaussian", "params": {"sigma": "2"}}
    assert (data["d"], data["T"], data["seed"]) == (2, 8, 3)
    assert set(data["kappa"]) == {"m2", "k1", "k2", "k3", "exact"}
    assert data["kappa"]["exact"] == {"m2": "4", "k1": "48", "k2": "960", "k3": "192"}
    ids = [c["id"] for c in data["claims"]]
    for needed in ["assumption2", "theorem1.closed_form", "theorem1.ode", "theorem1.monte_carlo",
                   "theorem1.cubature"]:
        assert needed in ids
    for claim in data["claims"]:
        assert {"id", "statement", "expected", "measured", "tolerance", "passed", "method", "reason"} <= set(claim)
        assert claim["passed"] in (True, False, None)
    assert data["passed"] is True


def test_table_and_exit_0(capsys):
    assert main(["verify", "--dist", "laplace", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "theorem1.cubature" in out and "PASS" in out and "decided claims hold" in out


def test_failed_claim_exits_1(monkeypatch, capsys):
    """Break the theory on purpose (κ1 one percent too large): verify must notice and exit 1."""
    real = base.product_from_kappas
    monkeypatch.setattr(base, "product_from_kappas", lambda k, T: real(k, T) * sp.Rational(101, 100))
    assert main(["verify", "--dist", "gaussian", *SMALL]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "FAILED" in out


def test_full_one_assumption_violated_theorem_not_applicable(capsys):
    assert main(["verify", "--dist", "full_one", *SMALL, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    claims = {c["id"]: c for c in data["claims"]}
    assert claims["assumption2"]["passed"] is None and "E[x_1] = 1 ≠ 0" in claims["assumption2"]["reason"]
    for cid, claim in claims.items():
        if cid.startswith("theorem1."):
            assert claim["passed"] is None and "Assumption 2 is violated" in claim["reason"]


def test_heavy_tail_decides_no_claim_and_says_so(capsys):
    """No vacuous pass: when no claim of the paper applies, the exit status is 3 and the last line says why."""
    assert main(["verify", "--dist", "student_t:nu=6", *SMALL, "--json"]) == 3
    data = json.loads(capsys.readouterr().out)
    claims = {c["id"]: c for c in data["claims"]}
    assert claims["theorem1.closed_form"]["passed"] is None and data["decided"] == 0
    assert "E[x^6] = oo" in claims["assumption2"]["reason"]
    assert main(["verify", "--dist", "student_t:nu=6", *SMALL]) == 3
    assert capsys.readouterr().out.rstrip().splitlines()[-1].startswith("No claim of the paper applies")


def test_saddle_start_decides_no_limit_claim(capsys):
    """From a0 + b0 = 0 the flow converges to the saddle: the limit claims are n/a, and the ODE row shows it."""
    main(["verify", "--dist", "gaussian", *SMALL, "--a0=-0.5", "--b0", "0.5", "--json"])
    claims = {c["id"]: c for c in json.loads(capsys.readouterr().out)["claims"]}
    for cid in ("theorem1.closed_form", "theorem1.monte_carlo", "theorem1.cubature", "theorem2.ratio",
                "recovery.finite_T", "corollary1.one_step_gd"):
        assert claims[cid]["passed"] is None and "saddle" in claims[cid]["reason"], cid
    assert "converged to the saddle" in claims["theorem1.ode"]["reason"]


def test_laws_lists_every_family(capsys):
    assert main(["laws", "--d", "3"]) == 0
    out = capsys.readouterr().out
    for name in ["gaussian", "uniform", "laplace", "rademacher", "student_t", "exponential_centered",
                 "sparse", "full_one"]:
        assert name in out
    assert "violated (E[x_1] = 1 ≠ 0)" in out


def test_console_script_runs():
    done = subprocess.run([sys.executable, "-m", "mesatheory.cli", "verify", "--dist", "rademacher", *SMALL,
                           "--json"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["passed"] is True


def test_rerun_hints_are_commands_that_parse():
    """Every 'run … instead' hint for a built-in law is a command line the CLI accepts."""
    import re
    import shlex

    from mesatheory import get_law
    from mesatheory.claims.base import Setting
    from mesatheory.claims.full_flow import check_full_flow
    from mesatheory.cli import build_parser

    reason = check_full_flow(Setting(get_law("laplace:scale=2"), T=2000)).reason
    command = re.search(r"`(mesatheory verify [^`]*)`", reason).group(1)
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert (args.dist, args.d) == ("laplace:scale=2", 5) and 100 <= args.T < 2000


@pytest.mark.parametrize("argv", [["derive", "--dist", "gaussian", "--out", "/proc/mesatheory-not-writable"],
                                  ["reproduce", "sparse_c1", "--quick", "--out", "/proc/mesatheory-not-writable"]])
def test_unwritable_output_folder_is_one_line_error(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/proc/mesatheory-not-writable" in err and "Traceback" not in err


DIVERGENT = """
[defaults]
d = 2
T = 8
m = 50
m_test = 20
seed = 1
inits = [[2.0, 2.0]]

[[figure]]
name = "too_fast"
law = "gaussian:sigma=2"
lr = 10.0
epochs = 50
"""


@pytest.mark.parametrize("content", [None, "[defaults]\nd = 5\n", DIVERGENT])
def test_bad_presets_are_one_line_errors(content, tmp_path, monkeypatch, capsys):
    """A missing or malformed presets file, or a preset whose learning rate diverges: exit 2, one line."""
    path = tmp_path / "presets.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv("MESATHEORY_PRESETS", str(path))
    argv = ["reproduce", "too_fast" if content == DIVERGENT else "all", "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err and "Traceback" not in err


@pytest.mark.slow
def test_laws_symbolic_shows_each_familys_formulas(capsys):
    """`laws --symbolic` prints the derived formulas: 1/(5σ²) for the Gaussian, 1/c² at every T for the sparse law."""
    assert main(["laws", "--symbolic"]) == 0   # d = 5: the symbolic results the reports derived are cached
    out = capsys.readouterr().out
    assert "1/(5*sigma**2)" in out and "(T - 2)/(sigma**2*(5*T + (d - 1)*H - 10))" in out
    assert "recovery: exact at every T" in out and "nu > 6" in out
