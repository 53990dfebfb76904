"""What the paper states, typed by hand from its formulas (the routes never use these; the claims compare).

* :mod:`.closed_form` — Theorem 1's product ``ã·b̃ = κ1 / (κ2 + κ3 H_{T-2}/(T-2))`` and the harmonic numbers;
* :mod:`.limits` — Theorem 2 (the paper's Proposition 4.1): the ``T → ∞`` limits, the per-step loss, recovery;
* :mod:`.gd_curve` — the noise-free gradient-descent curve of the paper's training runs and its standard error;
* :mod:`.per_coordinate` — [derived here, checked by :mod:`mesatheory.derive.per_coordinate`] the per-coordinate
  loss and fixed points of non-exchangeable coordinates.
"""

from .closed_form import harmonic, product_from_kappas, stiffness, theorem1_product
from .gd_curve import GDPrediction, gd_prediction, reduced_gd
from .limits import (
           LADDER,
           Recovery,
           limit_loss,
           limit_product,
           per_step_loss,
           recovery,
           trained_loss,
)

__all__ = ["LADDER", "GDPrediction", "Recovery", "gd_prediction", "harmonic", "limit_loss", "limit_product",
           "per_step_loss", "product_from_kappas", "recovery", "reduced_gd", "stiffness", "theorem1_product",
           "trained_loss"]
