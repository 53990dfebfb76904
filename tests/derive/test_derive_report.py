"""Reports: content, determinism, JSON sidecars, atomic writing."""

import json

from mesatheory import get_law
from mesatheory.derive.report import (
    render_general,
    render_law_report,
    slug,
    write_reports,
)


def test_gaussian_report_separates_exact_value_and_limit():
    md, data = render_law_report(get_law("gaussian:sigma=2"))
    assert "0.0479763" in data["summary"] and "limit 1/20" in data["summary"]
    assert "$$" in md and "\\mathbb{E}" not in md.split("## ")[0]
    product = next(s for s in data["steps"] if s["key"] == "law.product")
    assert any(r["string"] == "1/20" for r in product["results"])
    assert all({"string", "latex"} <= set(r) for s in data["steps"] for r in s["results"])


def test_general_report_is_deterministic_and_flags_the_discrepancy():
    md1, data1 = render_general()
    md2, _ = render_general()
    assert md1 == md2
    held = {s["key"]: s["holds"] for s in data1["steps"]}
    assert held["prediction.identity"] and held["loss.summed"] and held["dynamics.closed_form"]
    assert held["invariance.assumption2"] is False
    assert "SymPy" in md1 and "Regenerate" in md1 and data1["versions"]["sympy"]


def test_write_reports_writes_index_and_sidecars(tmp_path):
    laws = [get_law("sparse"), get_law("full_one")]
    paths = write_reports(tmp_path, laws)
    names = {p.name for p in paths}
    assert {"general.md", "general.json", "README.md", f"{slug(laws[0])}.md", f"{slug(laws[1])}.json"} <= names
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temporary files left
    readme = (tmp_path / "README.md").read_text()
    assert f"({slug(laws[1])}.md)" in readme and "Assumption 2 violated" in readme
    assert json.loads((tmp_path / f"{slug(laws[0])}.json").read_text())["law"] == "sparse:scale=1"
