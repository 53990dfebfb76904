"""SymPy derivation engine: the theory of the paper derived from the model's definition.

Modules, one job each:

* :mod:`.sums` — formal sums over index ranges with symbolic bounds; the phase rule ``E[λ^p λ̄^q] = δ_pq``;
* :mod:`.timesum` — per-position expressions in ``t - 1`` and their sum over ``t`` (harmonic numbers);
* :mod:`.symbols` — the model (tokens, embedding, parameters, prediction) and joint moments of ``x_1``;
* :mod:`.prediction` — step 1, Corollary 1 (one gradient-descent step);
* :mod:`.loss` — step 2, the population loss on the diagonal;
* :mod:`.dynamics` — step 3, the reduced flow, invariants, fixed point, basin, rate, closed form;
* :mod:`.per_coordinate` — step 3 at the per-coordinate point ``diag(a_j)``, ``diag(b_j)`` (non-exchangeable laws);
* :mod:`.gradient` — step 4, the gradient at a diagonal point for every entry;
* :mod:`.per_law` — step 5, one law's moments substituted;
* :mod:`.steps`, :mod:`.report` — steps as data; Markdown/JSON reports (:func:`.report.write_reports`).
"""

from .report import render_general, render_law_report, write_reports

__all__ = ["render_general", "render_law_report", "write_reports"]
