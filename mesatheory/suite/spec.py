"""A suite file: named runs, each a grid laws × d × T × inits × samples × seed, expanded into jobs.

A job is plain data (the law as its spec string, numbers, claim patterns), so it pickles: it can be sent to a
worker process or a Dask worker, which builds the law itself (laws hold closures that do not pickle).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from .. import paper, validate
from ..errors import InputError, MesatheoryError
from ..laws import get_law
from ..reproduce.presets import read_toml
from ..schema import SUITE
from ..schema import validate as validate_schema

GRID_DEFAULTS: dict[str, Any] = {"d": [paper.D], "T": [paper.T], "inits": [[paper.A0, paper.B0]],
                                 "samples": [paper.VERIFY_SAMPLES], "seed": [paper.VERIFY_SEED]}
"""What a run that names neither the key nor a ``[defaults]`` value gets: the paper's setting of ``verify``."""


@dataclass(frozen=True)
class Job:
    """One ``verify`` run of a suite: a law (as a spec), the sizes, the initialisation, the budget, the claims.

    Attributes:
        run: the name of the suite's run this job belongs to.
        law: the law's spec (``"gaussian:sigma=2"``).
        d: the dimension.
        T: the sequence length.
        a0: the initial ``a``.
        b0: the initial ``b``.
        samples: the Monte-Carlo sequences.
        seed: the seed.
        claims: fnmatch patterns of the claim ids reported (empty: every claim).
    """

    run: str
    law: str
    d: int
    T: int
    a0: float
    b0: float
    samples: int
    seed: int
    claims: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The job in one line, e.g. ``paper-gaussian: gaussian:sigma=2 d=5 T=100 (a0,b0)=(0.1,0.1) n=12288 seed=0``."""
        return (f"{self.run}: {self.law} d={self.d} T={self.T} (a0,b0)=({self.a0:g},{self.b0:g}) n={self.samples} "
                f"seed={self.seed}")

    def reports(self, claim_id: str) -> bool:
        """Whether the claim ``claim_id`` is reported by this job.

        Args:
            claim_id: a verdict's id.

        Returns:
            ``True`` when no pattern is given or one matches.
        """
        return not self.claims or any(fnmatchcase(claim_id, pattern) for pattern in self.claims)

    def to_dict(self) -> dict[str, Any]:
        """The job as JSON data.

        Returns:
            ``{"run", "law", "d", "T", "a0", "b0", "samples", "seed", "claims"}``.
        """
        return {"run": self.run, "law": self.law, "d": self.d, "T": self.T, "a0": self.a0, "b0": self.b0,
                "samples": self.samples, "seed": self.seed, "claims": list(self.claims)}


@dataclass(frozen=True)
class Suite:
    """A named list of jobs, in file order (runs in order, each grid in ``laws × d × T × inits × samples × seed``)."""

    name: str
    description: str
    jobs: tuple[Job, ...]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _expand(run: dict[str, Any], defaults: dict[str, Any], quick: dict[str, Any] | None) -> list[Job]:
    """The jobs of one run, every combination validated (:func:`mesatheory.validate.setting`).

    Keys come from, last wins: :data:`GRID_DEFAULTS`, ``[defaults]``, the run; with ``quick`` (the suite's
    ``[quick]`` table) also that table and the run's own ``quick`` table.
    """
    grid = {**GRID_DEFAULTS, **defaults, **run}
    if quick is not None:
        grid.update({**quick, **run.get("quick", {})})
    if "laws" not in grid:
        raise InputError("no laws: give 'laws' in the run or in [defaults]")
    jobs = []
    for spec in grid["laws"]:
        law = get_law(spec)
        for d, T, (a0, b0), samples, seed in itertools.product(
                _listed(grid["d"]), _listed(grid["T"]), grid["inits"], _listed(grid["samples"]),
                _listed(grid["seed"])):
            d, T, seed, a0, b0, samples = validate.setting(d, T, seed, a0, b0, samples)
            jobs.append(Job(run["name"], law.spec, d, T, a0, b0, samples, seed, tuple(grid.get("claims", ()))))
    return jobs


def load_suite(path: Path | str, quick: bool = False) -> Suite:
    """Read a suite file and expand it into jobs.

    Args:
        path: the TOML file (``checks/paper-claims.toml``).
        quick: apply the ``quick`` tables (the suite's CI size).

    Returns:
        The suite.

    Raises:
        InputError: the file cannot be read, is not TOML, does not match the suite schema
            (``mesatheory/schema/suite.v1.json``), names the same run twice, or a run has a bad value (the message
            names the file and the run); a bad law spec is reported the same way.
    """
    path = Path(path)
    try:
        data = read_toml(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        validate_schema(data, SUITE)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    names = [run["name"] for run in data["runs"]]
    if len(set(names)) < len(names):
        raise InputError(f"{path}: run names must be unique, got {', '.join(sorted(names))}")
    jobs: list[Job] = []
    for run in data["runs"]:
        try:
            jobs += _expand(run, data.get("defaults", {}), data.get("quick", {}) if quick else None)
        except MesatheoryError as exc:
            raise InputError(f"{path}: run '{run['name']}': {exc}") from None
    meta = data.get("suite", {})
    return Suite(meta.get("name", path.stem), meta.get("description", ""), tuple(jobs))
