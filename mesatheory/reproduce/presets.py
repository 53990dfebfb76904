"""The paper's simulation presets (``checks/paper.toml``) as typed data.

The file is TOML, read with :mod:`tomllib` (Python ≥ 3.11) or its backport ``tomli`` (a dependency on 3.10).
``mesatheory/reproduce/paper.toml`` is a link to ``checks/paper.toml``, so the one file is both the catalogue CI
reads and the data a wheel ships.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PresetError

PRESETS_ENV = "MESATHEORY_PRESETS"
DEFAULT_PATH = Path(__file__).with_name("paper.toml")   # a link to checks/paper.toml, shipped in the wheel


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
        """The figure called ``name``.

        Args:
            name: the figure's name.

        Returns:
            The figure.

        Raises:
            PresetError: no figure has that name.
        """
        for f in self.figures:
            if f.name == name:
                return f
        raise PresetError(f"unknown figure '{name}' (accepted: {', '.join(f.name for f in self.figures)}, all)")


def read_toml(path: Path) -> dict[str, Any]:
    """The file's content as a dict (``tomllib``, or its backport ``tomli`` on Python 3.10).

    Args:
        path: a TOML file.

    Returns:
        The parsed document.
    """
    try:
        import tomllib  # Python ≥ 3.11
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_presets(path: Path | str | None = None) -> Presets:
    """Read the presets (``path``, else ``$MESATHEORY_PRESETS``, else the repository's ``checks/paper.toml``).

    Args:
        path: the presets file (default: ``$MESATHEORY_PRESETS``, else the shipped ``paper.toml``).

    Returns:
        The sizes and the figures, in file order.

    Raises:
        PresetError: the file is missing or malformed.
    """
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
