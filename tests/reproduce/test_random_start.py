"""The appendix experiment: random starts, as a preset run and as an exact-flow check."""

import numpy as np

from mesatheory.model.parameters import random_blocks
from mesatheory.reproduce.random_start import check_random_start
from mesatheory.reproduce.training import RunConfig, train
from mesatheory.reproduce.twin import noise_free_twin


def test_the_exact_flow_from_random_starts_reaches_the_diagonal_fixed_point():
    """Gaussian (Assumption 2 holds): from three σ_w = 0.5 starts every off-diagonal entry goes to 0 and every
    a_j b_j to Theorem 1's ã·b̃."""
    verdict = check_random_start("gaussian", 2, 6, 0.5, [1, 2, 3])
    assert verdict.passed, verdict.message
    assert verdict.offdiag <= 1e-8 and verdict.product_gap <= 1e-8


def test_where_assumption2_fails_the_check_shows_where_the_flow_ends():
    """Full-one x_1 (Assumption 2 fails): the flow ends off the diagonal, and the check says so."""
    verdict = check_random_start("full_one", 2, 6, 0.5, [1])
    assert not verdict.passed and "does not reach" in verdict.message and verdict.offdiag > 1e-3


def test_a_random_start_run_and_its_twin():
    """The training run and its noise-free twin start from the same random blocks (seeded), and train both."""
    cfg = RunConfig(law="gaussian", lr=2e-3, epochs=40, d=2, T=6, m=200, m_test=50, init_sigma=0.3, init_seed=5)
    P, Q = random_blocks(2, 0.3, 5)
    res, twin = train(cfg), noise_free_twin(cfg)
    start = float(np.mean(np.diag(Q[2:, :2]) * np.diag(P[:, :2])))
    assert res.log.ab[0] == twin.ab[0] == start
    assert res.log.offdiag[0] == twin.offdiag[0] > 0 and twin.offdiag[-1] < twin.offdiag[0]
