"""Rich display in notebooks: verdict tables (HTML, Markdown), laws in LaTeX, reproductions with inline figures."""

import json

import sympy as sp
import sympy.stats as st

from mesatheory import get_law, law_from_sympy
from mesatheory.claims.assumption2 import check_assumption2
from mesatheory.claims.base import Setting
from mesatheory.claims.theorem1 import check_closed_form, check_cubature
from mesatheory.reproduce import Reproduction
from mesatheory.verify import VerifyResult


def _result():
    s = Setting(get_law("gaussian"), d=2, T=6)
    good = check_cubature(s)
    bad = good.__class__(**{**good.__dict__, "id": "theorem1.planted", "passed": False, "reason": "a <planted> miss"})
    return VerifyResult(s, [check_assumption2(s), check_closed_form(s), good, bad])


def test_html_table_colours_verdicts_and_folds_evidence():
    html = _result()._repr_html_()
    assert html.count("<tr>") == 5 and html.count("<details>") == 4
    assert '<b style="color:#1a7f37">PASS</b>' in html and '<b style="color:#cf222e">FAIL</b>' in html
    assert "a &lt;planted&gt; miss" in html and "<planted>" not in html          # reasons are escaped
    assert "FAILED: 1 of" in html and "E[N]" in html                             # summary line, evidence


def test_markdown_table_has_a_row_per_claim():
    md = _result()._repr_markdown_()
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(rows) == 4 and "**FAIL**" in rows[-1] and md.rstrip().endswith("**")


def test_laws_show_as_latex():
    assert get_law("gaussian:sigma=2")._repr_latex_() == (
        r"$x_1 \sim \text{gaussian}\left(\sigma = 2\right),\quad x_{1,j} \overset{\text{iid}}{\sim} x,\ "
        r"x \sim \operatorname{Normal}\left(0, 2\right)$")
    beta = law_from_sympy(st.Beta("b", 2, 2) - sp.Rational(1, 2))
    assert r"\operatorname{Beta}\left(2, 2\right)" in beta._repr_latex_()
    finite = law_from_sympy(st.FiniteRV("f", {-1: sp.Rational(1, 2), 1: sp.Rational(1, 2)}))
    assert finite._repr_latex_() == r"$x_{1,j} \overset{\text{iid}}{\sim} \{-1: \frac{1}{2}, 1: \frac{1}{2}\}$"
    assert get_law("sparse:scale=2")._repr_latex_() == r"$x_1 \sim \text{sparse}\left(scale = 2\right)$"


def test_reproduction_shows_its_figures_inline(tmp_path):
    (tmp_path / "fig_a").mkdir()
    (tmp_path / "fig_a" / "ab.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "summary.md").write_text("| figure |\n|---|\n| fig_a |\n")
    (tmp_path / "summary.json").write_text(json.dumps({"figures": ["fig_a"], "passed": False}))
    r = Reproduction.from_folder(tmp_path)
    assert r.figures == (tmp_path / "fig_a" / "ab.png",) and r.passed is False
    html = r._repr_html_()
    assert "data:image/png;base64,iVBORyBmYWtl" in html and "FAILS" in html and "fig_a/ab.png" in html
    assert r._repr_markdown_().startswith("| figure |")
