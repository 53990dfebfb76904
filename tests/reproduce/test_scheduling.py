"""Runs spread over worker processes give the very numbers of runs trained one after the other."""

import sys
import threading
from contextlib import contextmanager, nullcontext

import numpy as np
import pytest

from mesatheory.errors import DivergenceError
from mesatheory.reproduce.scheduling import DatasetCache, train_runs
from mesatheory.reproduce.training import RunConfig

TINY = dict(d=2, T=8, m=120, m_test=40, seed=3)
CONFIGS = [RunConfig(law="gaussian", lr=2e-3, epochs=12, a0=0.5, b0=1.5, **TINY),
           RunConfig(law="gaussian", lr=2e-3, epochs=30, a0=2.0, b0=2.0, **TINY),
           RunConfig(law="full_one", lr=5e-3, epochs=8, mask=True, **TINY)]


@contextmanager
def another_thread():
    """A second thread alive in this process while in the context."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_workers_are_forked_only_from_a_process_without_other_threads():
    from mesatheory.reproduce.scheduling import worker_context
    if threading.active_count() == 1 and sys.platform.startswith("linux"):
        assert worker_context().get_start_method() == "fork"
    with another_thread():
        assert worker_context().get_start_method() == "forkserver"


def test_forked_workers_inherit_numbas_blas_check():
    import subprocess
    code = ("import sys, threading; from mesatheory.reproduce.scheduling import start_workers, worker_context; "
            "start_workers(); print(worker_context().get_start_method(), 'scipy.linalg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == (["fork", "True"] if sys.platform.startswith("linux") else ["forkserver", "False"])


def test_the_progress_bar_starts_no_thread():
    from mesatheory.progress import fraction_bar
    before = threading.active_count()
    with fraction_bar("test", enabled=True) as progress:
        assert progress is not None
        progress("half", 0.5)
        assert threading.active_count() == before


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_processes_reproduce_the_sequential_results_bit_for_bit(start):
    seen = []
    sequential = dict(train_runs(CONFIGS, workers=1))
    with another_thread() if start == "forkserver" else nullcontext():
        parallel = dict(train_runs(CONFIGS, workers=2, progress=lambda msg, frac: seen.append(frac)))
    assert sorted(parallel) == [0, 1, 2]
    for i in range(len(CONFIGS)):
        a, b = sequential[i], parallel[i]
        assert a.config == b.config == CONFIGS[i]
        assert np.array_equal(a.P, b.P) and np.array_equal(a.Q, b.Q)
        assert np.array_equal(a.log.ab, b.log.ab) and np.array_equal(a.log.train_loss, b.log.train_loss)
    assert seen and all(0 <= f <= 1 for f in seen) and seen[-1] == pytest.approx(1.0)


def _blas_threads() -> int:
    from threadpoolctl import threadpool_info
    return max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")


def _report_worker_threads(out) -> None:  # pragma: no cover - runs in a child process
    from mesatheory.reproduce import scheduling
    scheduling._worker_init(None)
    import os
    out.put((_blas_threads(), os.environ.get("OPENBLAS_NUM_THREADS")))


def test_a_worker_keeps_one_blas_thread_for_its_life():
    import multiprocessing as mp
    ctx = mp.get_context("spawn")                    # a fresh process: nothing inherited from this one
    out = ctx.Queue()
    child = ctx.Process(target=_report_worker_threads, args=(out,))
    child.start()
    threads, variable = out.get(timeout=120)
    child.join(timeout=60)
    assert threads == 1 and variable == "1"


def test_this_process_uses_one_blas_thread_while_workers_run():
    from threadpoolctl import threadpool_limits
    with threadpool_limits(2, user_api="blas"):      # what a 2-core machine gives by default
        seen = [_blas_threads() for _ in train_runs(CONFIGS[:2], workers=2)]
        after = _blas_threads()
    assert seen == [1, 1] and after == 2


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


def test_the_cost_model_weighs_the_build_and_the_epochs():
    """A quartic run costs its epochs, plus ``BUILD_COST`` per sequence for the run that builds its family's tables
    (a tenth of that for a one-hot law); a spectral run costs ``SPECTRAL_COST`` per sequence and epoch."""
    from mesatheory.reproduce.scheduling import BUILD_COST, ONE_HOT_COST, SPECTRAL_COST, _cost
    sparse = RunConfig(law="sparse", lr=1e-3, epochs=200, **TINY)
    general = RunConfig(law="full_one", lr=5e-3, epochs=200, **TINY)
    assert _cost(general, builds=False) == _cost(sparse, builds=False) == 201
    assert _cost(general) == 201 + BUILD_COST * TINY["m"]
    assert _cost(sparse) == 201 + ONE_HOT_COST * BUILD_COST * TINY["m"]
    official = RunConfig(law="full_one", lr=5e-3, epochs=200, complex_params=True, **TINY)
    assert _cost(official) == pytest.approx(201 * TINY["m"] * SPECTRAL_COST)


def test_bins_balance_the_families_and_start_each_process_with_its_cheapest():
    from mesatheory.reproduce.scheduling import worker_bins
    groups, weights = [[0, 1], [2], [3, 4, 5]], [5.0, 5.0, 4.0, 1.0, 1.0, 1.0]      # family costs 10, 4, 3
    assert worker_bins(groups, weights, 2) == [[0, 1], [3, 4, 5, 2]]
    assert worker_bins(groups, weights, 1) == [[3, 4, 5, 2, 0, 1]]
    assert worker_bins(groups[:1], weights, 2) == [[0, 1]]                      # no empty process
