"""The paper's simulation presets (``checks/paper.toml``) as typed data.

The file is TOML, read with :mod:`tomllib` (Python ≥ 3.11) or its backport ``tomli`` (a dependency on 3.10).
``mesatheory/reproduce/paper.toml`` is a link to ``checks/paper.toml``, so the one file is both the catalogue CI
reads and the data a wheel ships.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .. import paper, validate
from ..errors import MesatheoryError, PresetError
from ..laws import Law, get_law

PRESETS_ENV = "MESATHEORY_PRESETS"
DEFAULT_PATH = Path(__file__).with_name("paper.toml")   # a link to checks/paper.toml, shipped in the wheel


@cache
def preset_law(spec: str) -> Law:
    """The law of a spec, one instance per process: a law caches its exact moments, so the SymPy series behind
    them (the Assumption-2 decision, the κ's, the population tables' ``x_1`` rule) run once per law, not once
    per :func:`mesatheory.laws.get_law` call.

    Args:
        spec: the law's spec string.

    Returns:
        The law (the same object for the same spec).

    Raises:
        LawError: the spec names no law, or has a bad parameter.
    """
    return get_law(spec)


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
    init_sigma: float = 0.0
    init_seeds: tuple[int, ...] = ()


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
    try:
        raw = read_toml(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:       # TOMLDecodeError is a ValueError
        raise PresetError(f"{path}: not a readable TOML file ({str(exc).splitlines()[0][:120]})") from None
    try:
        presets = _parse(raw)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise PresetError(f"{path}: malformed presets ({type(exc).__name__}: {str(exc)[:120]})") from None
    except MesatheoryError as exc:
        raise PresetError(f"{path}: {exc}") from None
    return presets


PLOTS = ("ab", "ratio", "test_loss", "heatmaps", "offdiag")
MEMORY_BUDGET = 8 * 2**30        # bytes the training tables of one run may take (≈ 64·(m + m_test)·d·T)


def _pair(name: str, value: Any) -> tuple[float, float]:
    a, b = value
    return validate.real(f"{name} a0", a, paper.INIT_BOUND), validate.real(f"{name} b0", b, paper.INIT_BOUND)


def _parse(raw: dict[str, Any]) -> Presets:
    """Validated :class:`Presets` from the parsed TOML (every number in range, every name known)."""
    base, quick = raw["defaults"], raw.get("quick", {})
    d = validate.whole("defaults.d", base["d"], 1, paper.CLI_MAX_D)
    T = validate.whole("defaults.T", base["T"], 3, paper.CLI_MAX_T)
    m = validate.whole("defaults.m", base["m"], 1, 10**7)
    m_test = validate.whole("defaults.m_test", base["m_test"], 1, 10**7)
    quick_m = validate.whole("quick.m", quick.get("m", m), 1, 10**7)
    quick_m_test = validate.whole("quick.m_test", quick.get("m_test", m_test), 1, 10**7)
    need = 64 * (m + m_test) * d * T
    if need > MEMORY_BUDGET:
        raise PresetError(f"m = {m}, m_test = {m_test}, d = {d}, T = {T} need ≈ {need / 2**30:.3g} "
                          f"GiB of training tables (at most {MEMORY_BUDGET / 2**30:g} GiB)")
    figures = []
    for i, f in enumerate(raw["figure"]):
        where = f"figure[{i}] ({f.get('name', '?')})"
        preset_law(f["law"])
        plots = tuple(f.get("plots", ["ab"]))
        unknown = [p for p in plots if p not in PLOTS]
        if unknown:
            raise PresetError(f"{where}: unknown plot {', '.join(map(repr, unknown))} (accepted: {', '.join(PLOTS)})")
        epochs = validate.whole(f"{where} epochs", f["epochs"], 0, 10**6)
        figures.append(Figure(
            name=str(f["name"]), description=str(f.get("description", "")), law=str(f["law"]),
            lr=validate.real(f"{where} lr", f["lr"], 1e6, positive=True), epochs=epochs, plots=plots,
            asymptote=validate.real(f"{where} asymptote", f["asymptote"], 1e300) if "asymptote" in f else None,
            masks=tuple(bool(x) for x in f.get("masks", [False])),
            quick_epochs=validate.whole(f"{where} quick_epochs", f.get("quick_epochs", epochs), 0, 10**6),
            init_sigma=validate.real(f"{where} init_sigma", f.get("init_sigma", 0.0), paper.INIT_BOUND),
            init_seeds=tuple(validate.whole(f"{where} init_seeds", s, 0, 2**63 - 1)
                             for s in f.get("init_seeds", [1] if "init_sigma" in f else []))))
    if not figures:
        raise PresetError("no [[figure]] tables")
    return Presets(d=d, T=T, m=m, m_test=m_test,
                   seed=validate.whole("defaults.seed", base["seed"], 0, 2**63 - 1),
                   inits=tuple(_pair("defaults.inits", x) for x in base["inits"]), quick_m=quick_m,
                   quick_m_test=quick_m_test,
                   quick_inits=tuple(_pair("quick.inits", x) for x in quick.get("inits", base["inits"])),
                   figures=tuple(figures))
