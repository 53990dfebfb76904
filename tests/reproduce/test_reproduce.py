"""Presets (checks/paper.toml) and `reproduce` on a tiny custom suite."""

import json
from pathlib import Path

import pytest

from mesatheory.errors import PresetError
from mesatheory.reproduce.presets import DEFAULT_PATH, load_presets
from mesatheory.reproduce.runner import list_figures, run

TINY = """
[defaults]
d = 2
T = 8
m = 150
m_test = 60
seed = 3
inits = [[0.5, 1.5], [2.0, 2.0]]

[quick]
m = 100
m_test = 40
inits = [[0.5, 1.5]]

[[figure]]
name = "sparse_tiny"
description = "sparse, tiny"
law = "sparse:scale=1"
lr = 5e-2
epochs = 120
plots = ["ab", "test_loss"]
asymptote = 1.0
quick_epochs = 100

[[figure]]
name = "full_one_tiny"
description = "full-one, tiny"
law = "full_one"
lr = 5e-3
epochs = 20
plots = ["heatmaps", "ab"]
masks = [false, true]
quick_epochs = 10

[[figure]]
name = "gaussian_tiny"
description = "gaussian, tiny"
law = "gaussian:sigma=1"
lr = 1e-3
epochs = 40
plots = ["ab", "ratio"]
asymptote = 0.2
"""


def test_paper_presets_cover_every_run_of_the_paper():
    p = load_presets()
    assert (p.d, p.T, p.m, p.m_test, p.seed) == (5, 100, 10000, 10000, 1)
    assert p.inits == ((0.1, 0.1), (0.5, 1.5), (2.0, 2.0))
    table = {f.name: (f.law, f.lr, f.epochs) for f in p.figures}
    assert table == {
        "gaussian_sigma0.5": ("gaussian:sigma=1/2", 1e-3, 200), "gaussian_sigma1": ("gaussian:sigma=1", 1e-4, 150),
        "gaussian_sigma2": ("gaussian:sigma=2", 2e-6, 201), "sparse_c0.5": ("sparse:scale=1/2", 3e-2, 200),
        "sparse_c1": ("sparse:scale=1", 1e-3, 201), "sparse_c2": ("sparse:scale=2", 1e-4, 121),
        "full_one": ("full_one", 5e-4, 200), "random_init": ("gaussian:sigma=1", 1e-4, 600)}
    assert p.figure("random_init").init_sigma == 0.1 and p.figure("random_init").init_seeds == (1, 2, 3)
    assert p.figure("full_one").masks == (False, True)
    assert [n for n, _ in list_figures(p)] == list(table)


def test_packaged_presets_are_the_checks_catalogue():
    """``mesatheory/paper.toml`` (shipped in the wheel) is the very file ``checks/paper.toml``."""
    assert DEFAULT_PATH.resolve() == (Path(__file__).resolve().parents[2] / "checks" / "paper.toml")


def test_bad_presets_are_reported(tmp_path):
    with pytest.raises(PresetError, match="not found"):
        load_presets(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[defaults]\nd = 5\n", encoding="utf-8")
    with pytest.raises(PresetError, match="malformed"):
        load_presets(tmp_path / "bad.toml")
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    with pytest.raises(PresetError, match="unknown figure 'nope'"):
        run(["nope"], tmp_path / "out", presets=load_presets(tmp_path / "tiny.toml"))


def test_run_writes_plots_data_and_a_summary(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    presets = load_presets(tmp_path / "tiny.toml")
    seen = []
    out = tmp_path / "out"
    path = run(["all"], out, quick=True, presets=presets, progress=lambda msg, frac: seen.append(frac))
    assert path == out / "summary.md" and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    for name in ("sparse_tiny/ab.png", "sparse_tiny/test_loss.png", "full_one_tiny/heatmaps_masked.png",
                 "full_one_tiny/heatmaps_unmasked.png", "gaussian_tiny/ratio.png", "gaussian_tiny/data.json"):
        assert (out / name).stat().st_size > 0, name
    assert not list(out.rglob("*.tmp"))
    summary = json.loads((out / "summary.json").read_text(), parse_constant=lambda c: pytest.fail(c))
    rows = {(r["figure"], r["mask"]): r for r in summary["rows"]}
    assert len(rows) == 4 and summary["passed"] is True
    sparse = rows[("sparse_tiny", False)]
    assert sparse["passed"] and sparse["converged"] and sparse["z"] is None     # SE is exactly 0
    assert abs(sparse["ab"] - 1.0) < 2e-4 and sparse["extra"]["test_loss"] < 1e-3
    unmasked = rows[("full_one_tiny", False)]                                  # off the diagonal: the twin
    assert unmasked["theory"].startswith("noise-free twin") and unmasked["predicted"] == unmasked["twin"]
    assert unmasked["se"] > 0 and unmasked["passed"] is True
    masked = rows[("full_one_tiny", True)]
    assert masked["theory"].startswith("reduced") and abs(masked["twin"] - masked["predicted"]) < 1e-9
    data = json.loads((out / "gaussian_tiny" / "data.json").read_text())
    assert len(data["runs"][0]["log"]["ab"]) == 41 and len(data["runs"][0]["P"]) == 2
    text = path.read_text()
    assert "| sparse_tiny | (0.5, 1.5) | no | 100 |" in text and "paper's line" in text
    assert "exact ã·b̃" in text


def test_summary_flags_a_wrong_theory(tmp_path, monkeypatch):
    """With a 1 % wrong κ1 the sparse run no longer passes: the acceptance rule can fail."""
    import mesatheory.reproduce.runner as rep
    from mesatheory.laws import Kappas

    real = rep.kappas

    def wrong(law, d):
        k = real(law, d)
        return Kappas(k.m2, k.k1 * 1.01, k.k2, k.k3)
    monkeypatch.setattr(rep, "kappas", wrong)
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    run(["sparse_tiny"], tmp_path / "out", quick=True, presets=load_presets(tmp_path / "tiny.toml"))
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["passed"] is False


@pytest.mark.slow
def test_quick_reproduction_of_every_paper_figure(tmp_path):
    """What CI runs: every figure of the paper at the quick sizes, each run within its own statistical error
    of the exact finite-T theory; plots, per-epoch data and the summary written."""
    summary = run(["all"], tmp_path, quick=True)
    data = json.loads(summary.with_name("summary.json").read_text())
    assert data["passed"] is True
    assert len(data["figures"]) == len(list_figures())
    for name in data["figures"]:
        assert list((tmp_path / name).glob("*.png")), name
    text = summary.read_text()
    assert "T → ∞" in text or "asymptote" in text


def test_official_mode_is_named_in_the_summary(tmp_path):
    """``--official`` trains complex parameters and the summary says which numerics the runs used."""
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    presets = load_presets(tmp_path / "tiny.toml")
    path = run(["full_one_tiny"], tmp_path / "out", quick=True, presets=presets, official=True, workers=1)
    summary = json.loads(path.with_name("summary.json").read_text())
    assert summary["official"] is True and "official numerics" in path.read_text()
    data = json.loads((tmp_path / "out" / "full_one_tiny" / "data.json").read_text())
    assert all(r["config"]["complex_params"] and r["P_imag"] is not None for r in data["runs"])
    real = run(["full_one_tiny"], tmp_path / "real", quick=True, presets=presets, workers=1)
    assert "real parameters (quartic engine)" in real.read_text()


def test_ratio_companions_resist_a_heavy_tail():
    """Off the diagonal, ten test sequences with x_T,0 ≈ 0 move the paper's mean ratio by many SE and the trimmed
    companion by little; the companion's SE comes from the winsorised spread (positive, finite)."""
    import numpy as np

    from mesatheory.laws import get_law
    from mesatheory.reproduce.summary import ratio_companions
    from mesatheory.reproduce.training import Dataset, RunConfig, train

    cfg = RunConfig(law="gaussian", lr=2e-3, epochs=30, a0=0.5, b0=1.5, d=2, T=6, m=200, m_test=400, seed=2)
    res = train(cfg)
    res.P[0, 1] += 0.05                                    # an off-diagonal entry: ŷ_0 now carries x_1
    data = Dataset.draw(get_law(cfg.law), cfg.d, cfg.T, cfg.m, cfg.m_test, cfg.seed)
    clean = ratio_companions(data, res)
    assert np.isfinite(clean["paper_ratio"]) and 0 < clean["trimmed_ratio_se"] < np.inf
    data.x1_test[:10, 0] = 1e-7                            # ten sequences with x_{T,0} ≈ 0
    data._cache.clear()
    tail = ratio_companions(data, res)
    paper_shift = abs(tail["paper_ratio"] - clean["paper_ratio"])
    trimmed_shift = abs(tail["trimmed_ratio"] - clean["trimmed_ratio"])
    assert paper_shift > 10 * clean["trimmed_ratio_se"] and trimmed_shift < clean["trimmed_ratio_se"]
