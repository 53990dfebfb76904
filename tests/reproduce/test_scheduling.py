"""Runs spread over worker processes give the very numbers of runs trained one after the other."""

import numpy as np
import pytest

from mesatheory.errors import DivergenceError
from mesatheory.reproduce.scheduling import DatasetCache, train_runs
from mesatheory.reproduce.training import RunConfig

TINY = dict(d=2, T=8, m=120, m_test=40, seed=3)
CONFIGS = [RunConfig(law="gaussian", lr=2e-3, epochs=12, a0=0.5, b0=1.5, **TINY),
           RunConfig(law="gaussian", lr=2e-3, epochs=30, a0=2.0, b0=2.0, **TINY),
           RunConfig(law="full_one", lr=5e-3, epochs=8, mask=True, **TINY)]


def test_processes_reproduce_the_sequential_results_bit_for_bit():
    seen = []
    sequential = dict(train_runs(CONFIGS, workers=1))
    parallel = dict(train_runs(CONFIGS, workers=2, progress=lambda msg, frac: seen.append(frac)))
    assert sorted(parallel) == [0, 1, 2]
    for i in range(len(CONFIGS)):
        a, b = sequential[i], parallel[i]
        assert a.config == b.config == CONFIGS[i]
        assert np.array_equal(a.P, b.P) and np.array_equal(a.Q, b.Q)
        assert np.array_equal(a.log.ab, b.log.ab) and np.array_equal(a.log.train_loss, b.log.train_loss)
    assert seen and all(0 <= f <= 1 for f in seen) and seen[-1] == pytest.approx(1.0)


def test_an_error_in_a_worker_reaches_the_caller():
    bad = RunConfig(law="gaussian:sigma=2", lr=10.0, epochs=50, a0=2, b0=2, **TINY)
    with pytest.raises(DivergenceError, match="learning rate"):
        list(train_runs([CONFIGS[0], bad], workers=2))


def test_the_cache_keeps_one_dataset_and_redraws_for_another():
    cache = DatasetCache()
    first = cache.get(CONFIGS[0])
    assert cache.get(CONFIGS[1]) is first                  # same law, sizes and seed: shared draws
    other = cache.get(CONFIGS[2])
    assert other is not first and not np.array_equal(other.x1, first.x1)
    assert np.array_equal(cache.get(CONFIGS[0]).x1, first.x1)   # redrawn identically from the seed


def test_one_hot_runs_weigh_a_tenth():
    """One-hot laws (closed form over positions) are scheduled after general runs of a tenth of their epochs."""
    from mesatheory.reproduce.scheduling import ONE_HOT_COST, _cost
    sparse = RunConfig(law="sparse", lr=1e-3, epochs=200, **TINY)
    general = RunConfig(law="full_one", lr=5e-3, epochs=200, **TINY)
    assert _cost(sparse) == ONE_HOT_COST * _cost(general) == ONE_HOT_COST * 201 * TINY["m"]
    assert _cost(CONFIGS[1]) > _cost(sparse) > _cost(CONFIGS[0])
