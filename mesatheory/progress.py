"""Progress bars for long work (``check``, ``derive``, ``reproduce``) through ``tqdm``.

``tqdm.auto`` draws a widget in a Jupyter notebook and a text bar on a terminal (on stderr). The bars are quiet
when stdout is neither — output piped to a file or another program, CI logs — so a log holds results only.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tqdm.auto import tqdm as _auto_tqdm

from ._io import Progress


class tqdm(_auto_tqdm):
    """``tqdm.auto``'s bar without its monitor thread (it only revises ``miniters``, and these bars refresh
    themselves): a process with no other thread may fork its workers safely
    (:func:`mesatheory.reproduce.scheduling.worker_context`)."""

    monitor_interval = 0

Item = TypeVar("Item")


def interactive() -> bool:
    """Whether someone watches: stdout is a terminal, or the code runs in a Jupyter (IPython) kernel.

    Returns:
        ``True`` when a bar is worth drawing.
    """
    if sys.stdout.isatty():
        return True
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None else None
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def track(items: Iterable[Item], total: int, desc: str, enabled: bool | None = None) -> Iterator[Item]:
    """``items``, with a bar counting them as they arrive.

    Args:
        items: the work's results, yielded as each finishes.
        total: how many there are.
        desc: the bar's label.
        enabled: draw the bar (default: :func:`interactive`).

    Yields:
        Each item, unchanged.
    """
    yield from tqdm(items, total=total, desc=desc, disable=not (interactive() if enabled is None else enabled),
                    unit="run", dynamic_ncols=True)


@contextmanager
def fraction_bar(desc: str, enabled: bool | None = None) -> Iterator[Progress | None]:
    """A :data:`mesatheory._io.Progress` callback ``(message, fraction)`` drawn as a bar.

    Args:
        desc: the bar's label.
        enabled: draw the bar (default: :func:`interactive`).

    Yields:
        The callback, or ``None`` when the bar is off (the work then reports nothing).
    """
    if not (interactive() if enabled is None else enabled):
        yield None
        return
    with tqdm(total=1.0, desc=desc, bar_format="{l_bar}{bar}| {percentage:5.1f} % {postfix}",
              dynamic_ncols=True) as bar:
        def show(message: str, fraction: float) -> None:
            bar.n = min(max(fraction, 0.0), 1.0)
            bar.set_postfix_str(message[:60], refresh=False)
            bar.refresh()
        yield show
