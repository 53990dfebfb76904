"""mesatheory check: suite files (one-line errors), the grid, the reports, joblib and Dask giving the same numbers."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mesatheory.cli import main
from mesatheory.errors import InputError
from mesatheory.schema import validate
from mesatheory.suite import JobOutcome, Suite, SuiteResult, load_suite, run_suite, write_outputs
from mesatheory.suite.report import junit_xml, summary
from mesatheory.suite.spec import Job

ROOT = Path(__file__).resolve().parents[2]
PAPER_CLAIMS = ROOT / "checks" / "paper-claims.toml"
TINY = """
[suite]
name = "tiny"
[defaults]
d = 2
T = 6
samples = 1024
[[runs]]
name = "two"
laws = ["gaussian:sigma=2", "sparse"]
"""


def write(tmp_path, text, name="suite.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_paper_claims_expands_the_papers_grid():
    jobs = load_suite(PAPER_CLAIMS).jobs
    by_run = {}
    for job in jobs:
        by_run.setdefault(job.run, []).append(job)
    assert {j.law for j in by_run["gaussian-scales"]} == {"gaussian:sigma=1/2", "gaussian:sigma=1", "gaussian:sigma=2"}
    assert {j.law for j in by_run["sparse-scales"]} == {"sparse:scale=1/2", "sparse:scale=1", "sparse:scale=2"}
    assert max(j.T for j in by_run["T-grid"]) == 10_000
    assert {j.d for j in by_run["builtins"]} == {1, 2, 3, 5, 10}
    assert all((j.d, j.samples) == (2, 1024) for j in load_suite(PAPER_CLAIMS, quick=True).jobs)


@pytest.mark.parametrize("text, message", [
    ("runs = [", "Invalid"),
    ("[[runs]]\nname = 'a'\nlaws = ['gaussian']\nd = 'x'", "runs/0/d"),
    ("[[runs]]\nname = 'a'\nlaws = ['gaussian']\nbudget = 3", "'budget' was unexpected"),
    ("[[runs]]\nname = 'a'\nlaws = ['cauchy']", "run 'a': unknown law 'cauchy'"),
    ("[[runs]]\nname = 'a'\nlaws = ['gaussian']\nd = 0", "run 'a': d must be from 1"),
    ("[[runs]]\nname = 'a'\nlaws = ['gaussian']\ninits = [[0.1]]", "runs/0/inits/0"),
    ("[[runs]]\nname = 'a'", "run 'a': no laws"),
    ("[[runs]]\nname = 'a'\nlaws = ['gaussian']\n[[runs]]\nname = 'a'\nlaws = ['sparse']", "unique"),
    ("[suite]\nname = 'x'", "'runs' is a required property"),
])
def test_bad_suite_is_a_one_line_error(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=message) as info:
        load_suite(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_bad_suite_on_the_command_line_exits_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.toml" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_claim_patterns_select_what_is_reported():
    job = Job("r", "gaussian", 2, 6, 0.1, 0.1, 1024, 0, ("theorem1.*", "assumption2"))
    assert job.reports("theorem1.ode") and job.reports("assumption2") and not job.reports("theorem2.ratio")
    assert Job("r", "gaussian", 2, 6, 0.1, 0.1, 1024, 0).reports("anything")


def _claim(cid, passed, reason=""):
    return {"id": cid, "passed": passed, "expected": 1.0, "measured": 1.5 if passed is False else 1.0,
            "tolerance": "relative 1e-08", "reason": reason}


def test_junit_shows_failures_skips_and_errors():
    """Each reported claim is a test case; a failure, a skip and a refused job show as such (synthetic outcomes)."""
    ok = Job("r", "gaussian", 2, 6, 0.1, 0.1, 1024, 0)
    bad = Job("r", "gaussian:sigma=1e-29", 2, 6, 0.1, 0.1, 1024, 0)
    result = SuiteResult(Suite("s", "", (ok, bad)), (
        JobOutcome(ok, {"claims": [_claim("theorem1.ode", True), _claim("theorem1.cubature", False, "off"),
                                   _claim("beyond.masked_limit", None, "Assumption 2 holds")]}, None, 1.0),
        JobOutcome(bad, None, "outside what float64 carries", 0.1)))
    root = ET.fromstring(junit_xml(result))
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")) == ("4", "1", "1", "1")
    cases = root.findall(".//testcase")
    assert [c.find("failure") is not None for c in cases] == [False, True, False, False]
    assert cases[2].find("skipped").get("message") == "Assumption 2 holds"
    assert cases[3].find("error").get("message") == "outside what float64 carries"
    assert not result.passed and result.totals["errors"] == 1
    text = summary(result)
    assert "theorem1.cubature: expected 1.0, measured 1.5" in text and text.splitlines()[-1].startswith("FAILED")


@pytest.fixture(scope="module")
def quick():
    """The shipped suite at its CI size (`check --quick`), run once on this machine with joblib."""
    return run_suite(load_suite(PAPER_CLAIMS, quick=True), n_jobs=2)


@pytest.mark.slow
def test_paper_claims_quick_passes_and_reports(quick, tmp_path):
    """Three reports that agree: every job's JSON against the verify schema, JUnit counts against the totals."""
    assert quick.passed and quick.decided > 0
    write_outputs(quick, tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    for job in data["jobs"]:
        validate(job["result"])
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert int(root.get("tests")) == sum(data["totals"][k] for k in ("passed", "failed", "not_applicable"))
    assert root.get("failures") == "0" and len(root.findall("testsuite")) == len(data["jobs"])
    assert (tmp_path / "summary.txt").read_text().rstrip().splitlines()[-1].startswith("PASSED")


@pytest.mark.slow
def test_dask_cluster_gives_the_same_results_as_this_machine(quick):
    """Two of the quick jobs on a Dask LocalCluster (worker processes): the same JSON, bit for bit."""
    distributed = pytest.importorskip("distributed")
    picked = (quick.outcomes[2], quick.outcomes[3])      # gaussian σ = 2 and sparse c = 1/2
    suite = Suite("picked", "", tuple(o.job for o in picked))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        there = run_suite(suite, scheduler=c.scheduler_address)
    assert [o.result for o in there.outcomes] == [o.result for o in picked]
    assert [o.job.law for o in picked] == ["gaussian:sigma=2", "sparse:scale=1/2"]


def test_check_on_the_command_line_writes_three_reports(tmp_path, capsys):
    path = write(tmp_path, TINY.replace('["gaussian:sigma=2", "sparse"]', '["sparse"]'))
    assert main(["check", str(path), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 0
    assert capsys.readouterr().out.rstrip().splitlines()[-1].startswith("PASSED")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["junit.xml", "results.json", "summary.txt"]


def test_unreachable_scheduler_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setattr("mesatheory.suite.run.CONNECT_TIMEOUT", "1s")
    with pytest.raises(InputError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        run_suite(load_suite(write(tmp_path, TINY)), scheduler="tcp://127.0.0.1:9")


def test_refused_job_is_an_error_case_not_a_crash(tmp_path):
    text = TINY.replace('["gaussian:sigma=2", "sparse"]', '["gaussian:sigma=1e-29"]')
    result = run_suite(load_suite(write(tmp_path, text)), n_jobs=1)
    (outcome,) = result.outcomes
    assert outcome.result is None and "float64" in outcome.error and not result.passed
