"""The acceptance band of a verdict, as numbers a CI job reads and as the words the table prints."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

Kind = Literal["exact", "relative", "absolute", "z"]
Accept = Literal["within", "above"]


@dataclass(frozen=True)
class Tolerance:
    """How a claim's measured value is accepted, machine-readable (``kind``, ``band``, ``se``, ``z``) and in words.

    With ``e = measured − expected`` the claim holds, for ``accept = "within"``, when

    * ``exact``: ``e = 0`` in exact arithmetic (``band = 0``);
    * ``relative``: ``|e| / |expected| ≤ band``;
    * ``absolute``: ``|e| ≤ band``;
    * ``z``: ``|z| ≤ band`` with the bias-corrected z-score ``z = e / se + shift`` (``shift = γ̂/(2√n)``, ``γ̂``
      the skewness of the estimator's summands, :meth:`mesatheory.routes.montecarlo.Estimate.z`; 0 for symmetric
      ones), or ``|e| ≤ allowance`` (float64 rounding, for estimators whose SE is 0);

    and, for ``accept = "above"``, when the measured value exceeds the band (``relative``: ``measured > band``;
    ``z``: ``measured > band·se``), as for claims that something is not zero.

    Attributes:
        kind: ``"exact"``, ``"relative"``, ``"absolute"`` or ``"z"``.
        band: the bound in the kind's units (0, a relative error, an absolute error, a number of SEs).
        text: the bound in words, as the verdict table prints it (e.g. ``5·SE = 0.0027``).
        se: the standard error of the measured value (``z`` only; ``None`` when several SEs are combined).
        z: the (bias-corrected) z-score of the measured value (the largest ``|z|`` when several are combined).
        allowance: the absolute rounding slack under which ``e`` is accepted whatever its z (``z`` only).
        shift: the bias correction ``z − e/se`` of the z-score, in SEs (``z`` only).
        accept: ``"within"`` (a deviation at most ``band``) or ``"above"`` (a value beyond ``band``).
    """

    kind: Kind
    band: float
    text: str
    se: float | None = None
    z: float | None = None
    allowance: float = 0.0
    accept: Accept = "within"
    shift: float = 0.0

    def __str__(self) -> str:
        return self.text

    @classmethod
    def exact(cls, text: str = "exact") -> Tolerance:
        """An identity decided in exact arithmetic (rational numbers or SymPy).

        Args:
            text: the words of the table.

        Returns:
            The tolerance of kind ``exact``.
        """
        return cls("exact", 0.0, text)

    @classmethod
    def relative(cls, rtol: float, text: str | None = None, accept: Accept = "within") -> Tolerance:
        """A relative error bound.

        Args:
            rtol: the accepted relative error.
            text: the words of the table (default ``relative {rtol}``).
            accept: ``"within"`` or ``"above"``.

        Returns:
            The tolerance of kind ``relative``.
        """
        return cls("relative", float(rtol), f"relative {rtol:g}" if text is None else text, accept=accept)

    def labelled(self, text: str) -> Tolerance:
        """The same band with other words (a claim that names its exact checks beside the sampled one).

        Args:
            text: the words of the table.

        Returns:
            A copy with ``text`` replaced.
        """
        return replace(self, text=text)

    def to_dict(self) -> dict[str, Any]:
        """The band as JSON data (the ``band`` entry of a verdict in ``verify --json``).

        Returns:
            ``{"kind", "band", "se", "z", "allowance", "accept", "shift"}``.
        """
        return {"kind": self.kind, "band": self.band, "se": self.se, "z": self.z, "allowance": self.allowance,
                "accept": self.accept, "shift": self.shift}
