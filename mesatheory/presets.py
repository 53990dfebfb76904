"""The paper's simulation presets (``checks/paper.toml``) as typed data.

The file is TOML. Python ≥ 3.11 reads it with :mod:`tomllib`; on 3.10 ``tomli`` is used if installed, otherwise
a small parser for the subset the file uses (``[table]``, ``[[array-of-tables]]``, ``key = value`` with strings,
numbers, booleans and one-line arrays, ``#`` comments). The tests check that the fallback parser and
``tomllib`` read the file identically.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRESETS_ENV = "MESATHEORY_PRESETS"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "checks" / "paper.toml"


class PresetError(ValueError):
    """The presets file is missing or malformed."""


@dataclass(frozen=True)
class Figure:
    """One figure of the paper: its runs share a law, learning rate and epoch count."""

    name: str
    description: str
    law: str
    lr: float
    epochs: int
    plots: tuple[str, ...]
    asymptote: float | None
    masks: tuple[bool, ...]
    quick_epochs: int


@dataclass(frozen=True)
class Presets:
    """Sizes (full and quick) and the figures, in file order."""

    d: int
    T: int
    m: int
    m_test: int
    seed: int
    inits: tuple[tuple[float, float], ...]
    quick_m: int
    quick_m_test: int
    quick_inits: tuple[tuple[float, float], ...]
    figures: tuple[Figure, ...]

    def figure(self, name: str) -> Figure:
        for f in self.figures:
            if f.name == name:
                return f
        raise PresetError(f"unknown figure '{name}' (accepted: {', '.join(f.name for f in self.figures)}, all)")


_HEADER = re.compile(r"^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?$")
_KEY = re.compile(r"^([A-Za-z0-9_-]+)\s*=\s*(.+)$")


def _strip_comment(line: str) -> str:
    out, in_str = [], False
    for ch in line:
        if ch == '"':
            in_str = not in_str
        if ch == "#" and not in_str:
            break
        out.append(ch)
    return "".join(out).strip()


def _value(text: str) -> Any:
    text = text.strip()
    if text in ("true", "false"):
        return text == "true"
    py = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", text))
    try:
        return ast.literal_eval(py)
    except (ValueError, SyntaxError) as exc:
        raise PresetError(f"cannot read value {text!r}") from exc


def parse_toml_subset(text: str) -> dict[str, Any]:
    """Parse the TOML subset described in the module docstring (a fallback for Python 3.10 without tomli)."""
    root: dict[str, Any] = {}
    current = root
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw)
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            keys = header.group(1).split(".")
            table = root
            for key in keys[:-1]:
                table = table.setdefault(key, {})
                if isinstance(table, list):
                    table = table[-1]
            if line.startswith("[["):
                current = {}
                table.setdefault(keys[-1], []).append(current)
            else:
                current = table.setdefault(keys[-1], {})
            continue
        pair = _KEY.match(line)
        if not pair:
            raise PresetError(f"line {number}: cannot parse {raw!r}")
        current[pair.group(1)] = _value(pair.group(2))
    return root


def read_toml(path: Path) -> dict[str, Any]:
    """The file's content as a dict (tomllib, tomli, or the subset parser)."""
    try:
        import tomllib  # Python ≥ 3.11
    except ModuleNotFoundError:
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            return parse_toml_subset(path.read_text(encoding="utf-8"))
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_presets(path: Path | str | None = None) -> Presets:
    """Read the presets (``path``, else ``$MESATHEORY_PRESETS``, else the repository's ``checks/paper.toml``)."""
    path = Path(path or os.environ.get(PRESETS_ENV) or DEFAULT_PATH)
    if not path.is_file():
        raise PresetError(f"presets file not found: {path} (set {PRESETS_ENV} to its location)")
    raw = read_toml(path)
    try:
        base, quick = raw["defaults"], raw.get("quick", {})
        inits = tuple((float(a), float(b)) for a, b in base["inits"])
        figures = tuple(
            Figure(name=f["name"], description=f.get("description", ""), law=f["law"], lr=float(f["lr"]),
                   epochs=int(f["epochs"]), plots=tuple(f.get("plots", ["ab"])),
                   asymptote=float(f["asymptote"]) if "asymptote" in f else None,
                   masks=tuple(bool(x) for x in f.get("masks", [False])),
                   quick_epochs=int(f.get("quick_epochs", f["epochs"])))
            for f in raw["figure"])
        return Presets(d=int(base["d"]), T=int(base["T"]), m=int(base["m"]), m_test=int(base["m_test"]),
                       seed=int(base["seed"]), inits=inits, quick_m=int(quick.get("m", base["m"])),
                       quick_m_test=int(quick.get("m_test", base["m_test"])),
                       quick_inits=tuple((float(a), float(b)) for a, b in quick.get("inits", base["inits"])),
                       figures=figures)
    except (KeyError, TypeError, ValueError) as exc:
        raise PresetError(f"{path}: malformed presets ({exc})") from exc
