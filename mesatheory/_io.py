"""Input and output shared by the commands: all-or-nothing writes, JSON conversion, the progress type.

* :func:`write_text` writes a file atomically (a temporary file in the same folder, then ``os.replace``), so a
  reader never sees half a file; :func:`atomic_path` does the same for writers that want a file name
  (matplotlib); :func:`staged_folder` does it for a whole folder of outputs (written aside, moved into place at
  the end, removed on any error or interrupt); :func:`make_folder` creates an output folder. Their ``OSError``
  becomes an :class:`~mesatheory.errors.OutputError` with a one-line message.
* :func:`native` turns NumPy values into plain Python ones; :func:`to_json` also makes them strict JSON
  (non-finite floats become ``None``, keys strings).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .errors import OutputError

Progress = Callable[[str, float], None]
"""``progress(message, fraction)``: a message and the fraction of the work done, in ``[0, 1]``."""


def _output_error(exc: OSError) -> OutputError:
    return OutputError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))


def make_folder(path: Path) -> Path:
    """Create ``path`` and its parents if needed.

    Args:
        path: the folder to create.

    Returns:
        ``path``.

    Raises:
        OutputError: the folder cannot be created.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(exc) from exc
    return path


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file name next to ``path``; renamed to ``path`` when the block ends without an error.

    Args:
        path: the file to write in the end.

    Yields:
        The temporary file (in the same folder as ``path``) to write to; it is removed if the block fails.

    Raises:
        OutputError: the file cannot be written.
    """
    make_folder(path.parent)
    try:
        fd, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _output_error(exc) from exc
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise _output_error(exc) from exc
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target`` whose content replaces ``target``'s when the block ends without error.

    Every file and sub-folder written into the stage moves into ``target`` (an existing one of the same name is
    replaced); anything else in ``target`` stays. If the block raises — an error or Ctrl-C — the stage is removed
    and ``target`` is left exactly as it was: a failed run writes nothing.

    Args:
        target: the output folder (created at the end if needed).

    Raises:
        OutputError: the stage or the target cannot be written.
    """
    target = Path(target)
    parent = target.resolve().parent
    make_folder(parent)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=parent))
    except OSError as exc:      # name the folder the user asked for, not the stage
        raise OutputError(f"{exc.strerror or exc}: {target}") from exc
    try:
        yield stage
        make_folder(target)
        for item in sorted(stage.iterdir()):
            destination = target / item.name
            if destination.is_dir() and not destination.is_symlink():
                shutil.rmtree(destination)
            os.replace(item, destination)
    except OSError as exc:
        raise _output_error(exc) from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_path`).

    Args:
        path: the file to write; its folder is created if needed.
        text: the content.

    Returns:
        ``path``.

    Raises:
        OutputError: the file cannot be written.
    """
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


EXACT_DIGITS = 400   # longest numerator or denominator an exact number is printed with


def exact_text(value: Any, latex: bool = False) -> str:
    """An exact SymPy number as text (or LaTeX); a rational too long to print is described by its size.

    Args:
        value: a SymPy expression or number.
        latex: give LaTeX instead of SymPy's string form.

    Returns:
        The text; for a rational whose numerator or denominator has more than :data:`EXACT_DIGITS` digits,
        ``"a rational of ≈ N/M digits, ≈ float"``.
    """
    import sympy as sp
    if isinstance(value, sp.Rational) and max(abs(value.p), value.q).bit_length() > 3.33 * EXACT_DIGITS:
        digits = [int(n.bit_length() * 0.30103) + 1 for n in (abs(value.p), value.q)]
        return f"a rational of ≈ {digits[0]}/{digits[1]} digits, ≈ {float(value):.17g}"
    return sp.latex(value) if latex else str(value)


def native(obj: Any) -> Any:
    """``obj`` with NumPy scalars and arrays (also inside lists, tuples and dicts) as plain Python values.

    Args:
        obj: any value.

    Returns:
        A copy with NumPy values converted; tuples become lists, anything else is returned unchanged.
    """
    if isinstance(obj, dict):
        return {k: native(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [native(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return native(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def to_json(obj: Any) -> Any:
    """A strict-JSON-ready copy of ``obj``: :func:`native` values, string keys, non-finite floats as ``None``.

    Args:
        obj: any value made of dicts, lists, tuples, NumPy values and plain Python scalars.

    Returns:
        The converted copy, accepted by ``json.dumps(..., allow_nan=False)``.
    """
    obj = native(obj)
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_json(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
