"""The paper's simulations, reproduced and checked against the exact theory (``mesatheory reproduce``).

* :mod:`.presets` — the runs of the paper as data (``checks/paper.toml``);
* :mod:`.training` — full-batch gradient descent on the full model;
* :mod:`.scheduling` — whole runs spread over worker processes;
* :mod:`.figures` — the plots;
* :mod:`.summary` — one verdict row per run and ``summary.md``;
* :mod:`.runner` — the command: figures in, plots, data and summary out;
* :mod:`.display` — a finished reproduction that a notebook shows inline.
"""

from .display import Reproduction, reproduce
from .runner import list_figures, run

__all__ = ["Reproduction", "list_figures", "reproduce", "run"]
