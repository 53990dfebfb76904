"""The shipped JSON Schemas of the package's machine-readable outputs, and their validation (``jsonschema``).

``verify-result.v1.json`` describes the ``verify --json`` object (:meth:`mesatheory.VerifyResult.to_dict`); the
object names its schema in its ``"schema"`` field (:data:`VERIFY_RESULT`), so a CI job can refuse a version it does
not know. ``suite.v1.json`` describes a suite file of ``mesatheory check`` (:data:`SUITE`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ..errors import InputError

VERIFY_RESULT = "mesatheory/verify-result/1"
"""The ``"schema"`` field of a ``verify --json`` object: the schema's name and version."""

SUITE = "mesatheory/suite/1"
"""The schema of a ``mesatheory check`` suite file (TOML, read as a dict)."""

_FILES = {VERIFY_RESULT: "verify-result.v1.json", SUITE: "suite.v1.json"}


@cache
def schema(name: str = VERIFY_RESULT) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an output.

    Args:
        name: the output's schema name and version (:data:`VERIFY_RESULT`).

    Returns:
        The schema as a dict.

    Raises:
        InputError: no schema of that name ships with the package.
    """
    if name not in _FILES:
        raise InputError(f"no schema named {name!r}; shipped: {', '.join(sorted(_FILES))}")
    return json.loads(resources.files(__package__).joinpath(_FILES[name]).read_text(encoding="utf-8"))


def validate(data: Any, name: str = VERIFY_RESULT) -> None:
    """Check JSON data against a shipped schema.

    Args:
        data: the parsed JSON object (e.g. ``json.load`` of ``verify --json``).
        name: the schema to check against.

    Raises:
        InputError: ``data`` does not conform; the message names the first offending path.
    """
    import jsonschema  # imported here: verify names its schema without paying for the validator
    validator = jsonschema.Draft202012Validator(schema(name))
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise InputError(f"not a valid {name} object at {where}: {error.message}")
