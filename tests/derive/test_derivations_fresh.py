"""The committed reports in derivations/ are what `mesatheory derive --out derivations` writes now."""

from pathlib import Path

from mesatheory.derive.report import write_reports

COMMITTED = Path(__file__).resolve().parents[2] / "derivations"


def test_committed_derivations_are_current(tmp_path):
    written = write_reports(tmp_path)
    fresh = {p.name for p in written}
    committed = {p.name for p in COMMITTED.iterdir() if p.is_file()}
    assert fresh == committed, f"missing or extra reports: {sorted(fresh ^ committed)}"
    stale = [p.name for p in written if p.read_bytes() != (COMMITTED / p.name).read_bytes()]
    assert not stale, f"stale reports {stale}: run `mesatheory derive --out derivations` and commit"
