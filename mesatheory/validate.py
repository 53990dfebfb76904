"""One validation layer for every entry point: the command line, the Python API and the presets file.

Each function takes the name of the argument and the value given, and returns the value in its canonical type or
raises :class:`~mesatheory.errors.InputError` with one line naming the argument, the value and what is accepted.
The ranges are in :mod:`mesatheory.paper`; what a size costs is decided by the routes (they decline, with an
estimate, what exceeds their budget), so every accepted value finishes in bounded time.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from . import paper
from .errors import InputError


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def whole(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an ``int`` in ``[low, high]``.

    Args:
        name: the argument's name, for the message.
        value: what was given (an ``int`` or a NumPy integer; not a ``bool``, a float or a string).
        low: the smallest accepted value.
        high: the largest accepted value.

    Returns:
        The value as a Python ``int``.

    Raises:
        InputError: not a whole number, or outside the range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be a whole number from {low} to {high}, got {_shown(value)}")
    if not low <= int(value) <= high:
        raise InputError(f"{name} must be from {low} to {high}, got {int(value)}")
    return int(value)


def real(name: str, value: Any, bound: float, positive: bool = False) -> float:
    """``value`` as a finite ``float`` with ``|value| ≤ bound`` (and ``> 0`` if ``positive``).

    Args:
        name: the argument's name, for the message.
        value: what was given (an ``int``, ``float`` or NumPy number; not a ``bool`` or a string).
        bound: the largest accepted magnitude.
        positive: whether the value must be positive.

    Returns:
        The value as a Python ``float``.

    Raises:
        InputError: not a number, not finite, out of range, or not positive when it must be.
    """
    kind = "a positive number" if positive else "a number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be {kind} with |{name}| ≤ {bound:g}, got {_shown(value)}")
    out = float(value)
    if not math.isfinite(out) or abs(out) > bound or (positive and not out > 0):
        raise InputError(f"{name} must be {kind} with |{name}| ≤ {bound:g}, got {_shown(value)}")
    return out


def setting(d: Any, T: Any, seed: Any, a0: Any, b0: Any, samples: Any) -> tuple[int, int, int, float, float, int]:
    """The arguments of :func:`mesatheory.verify`, validated together.

    Args:
        d: the dimension, ``1 ≤ d ≤ CLI_MAX_D``.
        T: the sequence length, ``3 ≤ T ≤ CLI_MAX_T``.
        seed: the random seed, ``0 ≤ seed < 2⁶³``.
        a0: the initial ``a``, finite, ``|a0| ≤ INIT_BOUND``.
        b0: the initial ``b``, likewise.
        samples: Monte-Carlo sequences, ``MIN_SAMPLES ≤ samples ≤ MAX_SAMPLES``.

    Returns:
        ``(d, T, seed, a0, b0, samples)`` in their canonical types.

    Raises:
        InputError: the first argument that is not accepted.
    """
    return (whole("d", d, 1, paper.CLI_MAX_D), whole("T", T, 3, paper.CLI_MAX_T),
            whole("seed", seed, 0, 2**63 - 1), real("a0", a0, paper.INIT_BOUND), real("b0", b0, paper.INIT_BOUND),
            whole("samples", samples, paper.MIN_SAMPLES, paper.MAX_SAMPLES))
