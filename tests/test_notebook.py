"""docs/example.ipynb runs top to bottom (nbclient), shows rich output, and writes nothing into the repository."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "example.ipynb"


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if ".git" not in p.parts and "__pycache__" not in p.parts
            and ".hypothesis" not in p.parts and ".pytest_cache" not in p.parts}


@pytest.mark.slow
def test_example_notebook_executes_with_rich_output(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    before = _tree(ROOT)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()

    def cell(key):
        return next(c for c in nb.cells if key in c.source)

    def data(key, kind):
        return "".join(str(o["data"].get(kind, "")) for o in cell(key).outputs if "data" in o)

    assert data('get_law("gaussian', "text/latex").startswith("$x_1")
    assert data("theorem1_product(law, d=5", "text/latex")
    for key in ("verify(law", "verify(beta"):
        html = data(key, "text/html")
        assert "PASS" in html and "<details>" in html and "decided claims hold" in html
    assert data("plt.subplots", "image/png")
    html = data("reproduce([", "text/html")
    assert "data:image/png;base64," in html and "every run with a theory passes" in html
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o["output_type"] == "error"]
    assert _tree(ROOT) == before
