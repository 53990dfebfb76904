"""A finished reproduction as an object a notebook displays: the summary table and every figure inline."""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .runner import run


@dataclass(frozen=True)
class Reproduction:
    """The outputs of :func:`mesatheory.reproduce.run` in one folder.

    Attributes:
        folder: the output folder.
        summary: ``summary.md`` (the verdict rows).
        figures: every plot written, ``<figure>/<plot>.png``, in figure order.
        passed: ``True`` iff every run with a theory passes (``summary.json``'s ``"passed"``).
    """

    folder: Path
    summary: Path
    figures: tuple[Path, ...]
    passed: bool

    @classmethod
    def from_folder(cls, folder: Path | str) -> Reproduction:
        """Read a reproduction's folder.

        Args:
            folder: the ``--out`` folder of a finished run.

        Returns:
            The reproduction, with the figures listed in ``summary.json``'s figure order.
        """
        folder = Path(folder)
        data: dict[str, Any] = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        figures = tuple(png for name in data["figures"] for png in sorted((folder / name).glob("*.png")))
        return cls(folder, folder / "summary.md", figures, bool(data["passed"]))

    def _repr_markdown_(self) -> str:
        """The summary table (Markdown), for notebooks."""
        return self.summary.read_text(encoding="utf-8")

    def _repr_html_(self) -> str:
        """Every figure inline (PNG data URIs) under its name, then the summary as preformatted Markdown."""
        images = "".join(
            f"<figure><img src=\"data:image/png;base64,{base64.b64encode(png.read_bytes()).decode('ascii')}\" "
            f"style=\"max-width:48%\"/><figcaption>{html.escape(png.parent.name)}/{html.escape(png.name)}"
            "</figcaption></figure>" for png in self.figures)
        verdict = "every run with a theory passes" if self.passed else "a run with a theory FAILS"
        return (f"<div><p><b>reproduction in {html.escape(str(self.folder))}: {verdict}</b></p>{images}"
                f"<details><summary>summary.md</summary><pre>{html.escape(self._repr_markdown_())}</pre>"
                "</details></div>")


def reproduce(figures: list[str], out_dir: Path | str, quick: bool = False, **options: Any) -> Reproduction:
    """Run figures (:func:`mesatheory.reproduce.run`) and return the outputs as a displayable object.

    Args:
        figures: figure names, or ``["all"]``.
        out_dir: the output folder.
        quick: the CI sizes.
        **options: ``progress``, ``workers``, ``presets`` as for :func:`~mesatheory.reproduce.run`.

    Returns:
        The reproduction; in a notebook it shows its figures inline.
    """
    return Reproduction.from_folder(run(figures, Path(out_dir), quick=quick, **options).parent)
