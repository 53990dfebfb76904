"""The package's exceptions: one base class, a few kinds.

Every error a user can cause is a :class:`MesatheoryError` (a ``ValueError``) whose message is one line that names
what was wrong and what is accepted; the command line prints it and exits with status 2.
"""

from __future__ import annotations


class MesatheoryError(ValueError):
    """Base class of every error the package raises for a user's input or request."""


class UsageError(MesatheoryError):
    """A mistake in the command line (printed as it is, without the ``mesatheory: error:`` prefix)."""


class InputError(MesatheoryError):
    """An argument of the wrong type or outside its accepted range (the message names both)."""


class LawError(MesatheoryError):
    """A law that cannot be built or used as asked (bad parameters, unsupported random variable)."""


class PresetError(MesatheoryError):
    """The presets file of the reproduction is missing or malformed."""


class Unavailable(MesatheoryError):
    """An exact route declined: the computation would be too large, or a moment it needs is infinite."""


class Undecided(MesatheoryError):
    """The derivation engine cannot decide a sign or an ordering symbolically."""


class DivergenceError(MesatheoryError):
    """A training run diverged (its learning rate is too large)."""


class OutputError(MesatheoryError):
    """An output file or folder cannot be written."""
