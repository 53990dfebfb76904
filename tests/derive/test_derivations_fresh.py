"""The committed reports in derivations/ say what `mesatheory derive --out derivations` derives now.

The comparison is of mathematical content, so it holds on any allowed SymPy/NumPy/SciPy version: every JSON
sidecar must match the fresh one field by field, with each expression compared after parsing (``"string"``
fields, by SymPy structural equality) and the printer-dependent LaTeX left out. With the very library versions
the reports were generated with, every file must also match byte for byte.
"""

import json
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from mesatheory.derive.report import versions, write_reports

COMMITTED = Path(__file__).resolve().parents[2] / "derivations"
PRINTER_DEPENDENT = {"latex", "versions"}


def _same_expression(a: str, b: str) -> bool:
    if a == b:
        return True
    try:                                  # our own committed files, not user input
        return bool(sp.sympify(a) == sp.sympify(b))
    except (sp.SympifyError, TypeError, SyntaxError):
        return False


def _differences(fresh: Any, committed: Any, where: str = "") -> list[str]:
    """Paths at which two JSON documents differ in content."""
    if isinstance(fresh, dict) and isinstance(committed, dict):
        keys = (set(fresh) | set(committed)) - PRINTER_DEPENDENT
        return [d for k in sorted(keys) for d in _differences(fresh.get(k), committed.get(k), f"{where}/{k}")]
    if isinstance(fresh, list) and isinstance(committed, list):
        if len(fresh) != len(committed):
            return [f"{where}: {len(fresh)} items, committed {len(committed)}"]
        return [d for i, (a, b) in enumerate(zip(fresh, committed)) for d in _differences(a, b, f"{where}[{i}]")]
    if isinstance(fresh, str) and isinstance(committed, str) and where.endswith("/string"):
        return [] if _same_expression(fresh, committed) else [f"{where}: {fresh!r} ≠ committed {committed!r}"]
    return [] if fresh == committed else [f"{where}: {fresh!r} ≠ committed {committed!r}"]


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("derivations")
    return {p.name: p for p in write_reports(out)}


def test_the_same_reports_are_committed(fresh):
    committed = {p.name for p in COMMITTED.iterdir() if p.is_file()}
    assert set(fresh) == committed, f"missing or extra reports: {sorted(set(fresh) ^ committed)}"


def test_committed_reports_have_the_derived_content(fresh):
    stale = {}
    for name, path in fresh.items():
        if name.endswith(".json"):
            diff = _differences(json.loads(path.read_text()), json.loads((COMMITTED / name).read_text()))
            if diff:
                stale[name] = diff[:3]
    assert not stale, f"stale reports {stale}: run `mesatheory derive --out derivations` and commit"


def test_with_the_generating_versions_the_bytes_match(fresh):
    committed_versions = json.loads((COMMITTED / "general.json").read_text())["versions"]
    if committed_versions != versions():
        pytest.skip(f"reports generated with {committed_versions}, running {versions()}: content compared above")
    stale = [n for n, p in fresh.items() if p.read_bytes() != (COMMITTED / n).read_bytes()]
    assert not stale, f"stale reports {stale}: run `mesatheory derive --out derivations` and commit"


def test_a_changed_expression_is_caught():
    """The comparison can fail: one expression changed in a committed sidecar is a difference."""
    data = json.loads((COMMITTED / "gaussian_sigma-1.json").read_text())
    changed = json.loads(json.dumps(data))

    def first_string(node):
        if isinstance(node, dict):
            if "string" in node:
                return node
            return next((r for v in node.values() if (r := first_string(v)) is not None), None)
        if isinstance(node, list):
            return next((r for v in node if (r := first_string(v)) is not None), None)
        return None
    entry = first_string(changed)
    entry["string"] = f"({entry['string']}) + 1"
    assert _differences(changed, data)
    assert not _differences(json.loads(json.dumps(data)), data)
