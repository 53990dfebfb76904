"""Snapshot every number `verify`, `laws`, `derive` and `reproduce --quick` print, for before/after comparisons.

A refactor that must not change behaviour is checked by two snapshots and one `diff`:

    python benchmarks/snapshot_outputs.py /tmp/before      # on the old commit
    python benchmarks/snapshot_outputs.py /tmp/after       # on the new one
    diff -r /tmp/before /tmp/after && echo identical

What is recorded (wall-clock timings are dropped: they are the only fields that may differ):

* `mesatheory verify` (table and `--json`, with the exit status) for gaussian, sparse and full_one at the paper's
  size and gaussian, full_one and exponential_centered at a small size (where the exact full flow and cubature
  run); the Python API on a `law_from_sympy` law (a centred Beta);
* `mesatheory laws`, `mesatheory reproduce --list`;
* every file `mesatheory derive --out DIR` writes;
* every file `mesatheory reproduce all --quick --out DIR` writes (PNG files by SHA-256).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

VERIFY_RUNS = [
    ["--dist", "gaussian"], ["--dist", "sparse"], ["--dist", "full_one"],
    ["--dist", "gaussian", "--d", "2", "--T", "8"], ["--dist", "full_one", "--d", "3", "--T", "12"],
    ["--dist", "exponential_centered", "--d", "2", "--T", "6"],
]
TIMING_KEYS = {"seconds", "seconds_per_epoch"}
SYMPY_LAW = """
import json, sympy, sympy.stats as st, mesatheory
from mesatheory.table import render
law = mesatheory.law_from_sympy(st.Beta("b", 2, 2) - sympy.Rational(1, 2))
result = mesatheory.verify(law, d=2, T=8)
print(render(result))
print(json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True))
"""


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mesatheory.cli", *args], capture_output=True, text=True,
                          check=False)


def _drop_timings(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _drop_timings(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [_drop_timings(v) for v in obj]
    return obj


def _copy_tree(src: Path, dst: Path) -> None:
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".png":
            target.with_suffix(".png.sha256").write_text(hashlib.sha256(path.read_bytes()).hexdigest() + "\n")
        elif path.suffix == ".json":
            data = _drop_timings(json.loads(path.read_text()))
            target.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        else:
            target.write_text(re.sub(r"wall time [0-9.]+ s", "wall time (dropped)", path.read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the snapshot (created)")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for run in VERIFY_RUNS:
        name = "verify_" + "_".join(a.strip("-") for a in run)
        table, js = _cli("verify", *run), _cli("verify", *run, "--json")
        (out / f"{name}.txt").write_text(f"exit {table.returncode}\n{table.stdout}{table.stderr}")
        data = json.loads(js.stdout)
        (out / f"{name}.json").write_text(f"exit {js.returncode}\n" + json.dumps(data, indent=1, ensure_ascii=False,
                                                                                 sort_keys=True) + "\n")
        print(f"{name}: exit {table.returncode}", file=sys.stderr)
    api = subprocess.run([sys.executable, "-c", SYMPY_LAW], capture_output=True, text=True, check=False)
    (out / "verify_api_beta.txt").write_text(f"exit {api.returncode}\n{api.stdout}{api.stderr}")
    for name, cmd in (("laws", ["laws"]), ("reproduce_list", ["reproduce", "--list"])):
        done = _cli(*cmd)
        (out / f"{name}.txt").write_text(f"exit {done.returncode}\n{done.stdout}{done.stderr}")
    with tempfile.TemporaryDirectory() as tmp:
        done = _cli("derive", "--out", str(Path(tmp) / "derivations"))
        (out / "derive.txt").write_text(f"exit {done.returncode}\n" + done.stdout.replace(tmp, "TMP") + done.stderr)
        _copy_tree(Path(tmp) / "derivations", out / "derivations")
        print("derive done", file=sys.stderr)
        done = _cli("reproduce", "all", "--quick", "--out", str(Path(tmp) / "reproduction"))
        (out / "reproduce.txt").write_text(
            f"exit {done.returncode}\n" + re.sub(r"wall time [0-9.]+ s", "wall time (dropped)", done.stdout))
        _copy_tree(Path(tmp) / "reproduction", out / "reproduction")
        print("reproduce done", file=sys.stderr)


if __name__ == "__main__":
    main()
