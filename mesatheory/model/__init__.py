"""The paper's model — a one-layer linear causal attention on AR sequences — with several implementations.

One model (docs/paper.md §2), computed independently several ways so that each checks the others:

* :mod:`.process` — the data: ``x_{t+1} = W x_t`` with random unit phases;
* :mod:`.diagonal` — the model on the diagonal form of Assumption 1 (``ŷ_t = ab·g_t``, prefix sums);
* :mod:`.parameters` — the two active blocks ``(P, Q)`` of the full matrices and the diagonal form;
* :mod:`.full` — every entry free: prediction, loss and analytic gradient by prefix sums over any sequences;
* :mod:`.spectral` — the same loss and gradient on AR data without prefix sums (the training engine);
* :mod:`.reference` — the official per-prefix algorithm, ``O(m T² d²)`` (benchmarks and agreement tests).
"""

from .diagonal import (
                         diagonal_predictions,
                         loss_statistics,
                         targets,
                         unit_prediction_at,
                         unit_predictions,
)
from .full import LastPosition, embed, loss_and_grad_direct, predictions
from .parameters import (
                         diagonal_blocks,
                         diagonal_product,
                         from_full,
                         mask_offdiagonal,
                         offdiagonal,
                         offdiagonal_norm,
                         to_full,
)
from .process import sample_phases, sample_sequences, sequences
from .reference import loss_and_grad_reference, reference_trajectory
from .spectral import SpectralData, single_threaded_blas

__all__ = ["LastPosition", "SpectralData", "diagonal_blocks", "diagonal_predictions", "diagonal_product", "embed",
           "from_full", "loss_and_grad_direct", "loss_and_grad_reference", "loss_statistics", "mask_offdiagonal",
           "offdiagonal", "offdiagonal_norm", "predictions", "reference_trajectory", "sample_phases",
           "sample_sequences", "sequences", "single_threaded_blas", "targets", "to_full", "unit_prediction_at",
           "unit_predictions"]
