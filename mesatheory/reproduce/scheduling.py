"""Independent training runs spread over worker processes, with one progress report for all of them.

The paper's simulations are many runs that share nothing but their datasets (docs/paper.md §5). One run's epoch is
a few thousand small matrix products; two *threads* sharing it wait for each other at every epoch and on the
Python glue between products (the GIL), while two *processes* each train whole runs on one core. On this
project's two vCPUs the processes win: `mesatheory reproduce all` took 10 min 19 s, against 11 min 47 s with two
threads per epoch (same numbers, bit for bit). So :func:`train_runs` hands whole runs to ``workers`` processes
(forked from this process on Linux when it runs no other thread, so that they start with everything imported;
else from a ``forkserver`` that imports the training modules once for all workers — with ``spawn`` each worker paid
the ≈ 2.5 s import itself; see :func:`worker_context`); with one run, or one worker, it trains in this process
with ``workers`` threads per epoch.

Every run is deterministic (its data come from its seed, its epochs from fixed-order sums), so the results do not
depend on the number of processes or threads. Each process keeps the dataset of its last run
(:class:`DatasetCache`): runs of one figure share their draws and the engine's tables. With the quartic engine a
run's cost is mostly the build of its tables, so the unit of work handed to a process is a *family* of runs that
share one build (:func:`families`: one training set, or power-of-two rescalings of it).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from multiprocessing import forkserver
from typing import Any

from .._io import Progress
from ..model.spectral import single_threaded_blas
from .jackknife import jackknife_se
from .presets import preset_law
from .training import Dataset, RunConfig, TrainResult, pick_engine, table_key, train

POLL_SECONDS = 0.2
REPORTS_PER_RUN = 50          # progress messages a worker sends per run (not one per epoch)
# the cost model of _cost, in epochs of the quartic engine (≈ 3 ms at d = 5: one (2d)⁶ contraction and the test
# metrics; measured on the quick presets: 4.2 s for the Gaussian family, 1.4 s sparse, 3.0 s full-one)
BUILD_COST = 0.25             # the quartic tables, per sequence whose x_1 has full support (≈ 0.7 ms at d = 5)
SPECTRAL_COST = 6e-3          # one spectral epoch, per sequence (≈ 20 µs at d = 5, T = 100)
ONE_HOT_COST = 0.1            # a one-hot x_1's share of those (the build is a 1-coordinate problem; the spectral
                              # engine has a closed form over positions: ≈ 27 ms against ≈ 300 ms per epoch)
PRELOAD = [__name__, "mesatheory.model.quartic_build"]     # what every worker needs (numba's cached kernel too)
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")   # read by a BLAS when it loads


class DatasetCache:
    """The dataset of the last configuration asked for.

    One at a time: a paper-size dataset's tables are ≈ 0.3 GB.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._data: Dataset | None = None

    def get(self, cfg: RunConfig) -> Dataset:
        """The dataset of ``cfg``: the cached one if it has the same law, sizes and seed, else a new draw.

        Args:
            cfg: the run's configuration.

        Returns:
            The dataset (kept until a configuration with other draws is asked for).
        """
        key = (cfg.law, cfg.d, cfg.T, cfg.m, cfg.m_test, cfg.seed)
        if key != self._key or self._data is None:
            self._data = None                                   # free the old tables before drawing
            self._data = Dataset.draw(preset_law(cfg.law), cfg.d, cfg.T, cfg.m, cfg.m_test, cfg.seed)
            self._key = key
        return self._data


@dataclass
class _Worker:
    """What one worker process keeps between runs: its dataset cache and the queue its progress goes to."""

    cache: DatasetCache
    reports: Any


_WORKER: _Worker | None = None   # set once in each worker process by the pool's initializer


def _worker_init(reports: Any) -> None:  # pragma: no cover - runs in a child process
    """Child set-up: ignore Ctrl-C (the parent stops the pool), one BLAS thread for the process's life (a worker
    has one core; the libraries loaded from now on read the variables of :data:`BLAS_THREADS`, the loaded ones are
    limited at once — the limiter applies when it is made and is never undone), one dataset cache, the progress
    queue."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(dict.fromkeys(BLAS_THREADS, "1"))
    single_threaded_blas()
    _WORKER = _Worker(DatasetCache(), reports)


def _worker_family(jobs: list[tuple[int, RunConfig]]) -> None:  # pragma: no cover - runs in a child process
    """Child: train runs that share one build of tables, in order, sending ``REPORTS_PER_RUN`` progress messages per
    run and each result as soon as it is done (so the parent writes a figure while its family's next runs train)."""
    worker = _WORKER
    if worker is None:
        raise RuntimeError("worker process used before its initializer ran")
    for index, cfg in jobs:
        step = max(1, cfg.epochs // REPORTS_PER_RUN)
        counter = [0]

        def report(message: str, fraction: float, index: int = index, step: int = step,
                   counter: list[int] = counter) -> None:
            counter[0] += 1
            if counter[0] % step == 0 or fraction >= 1.0:
                worker.reports.put(("progress", index, message, fraction))
        worker.reports.put(("result", index, train_run(cfg, report, worker.cache.get(cfg), threads=1)))


def families(configs: Sequence[RunConfig]) -> list[list[int]]:
    """The runs grouped by the quartic tables they share (:func:`mesatheory.reproduce.training.table_key`).

    Runs on one training set, or on training sets that differ by a power-of-two scale of ``x_1``, share one build;
    a worker trains a whole group so that the build is done once.

    Args:
        configs: the runs.

    Returns:
        Groups of indices into ``configs``, each in the order of ``configs``.
    """
    groups: dict[object, list[int]] = {}
    for i, cfg in enumerate(configs):
        if pick_engine(cfg) == "quartic":
            data = Dataset.draw(preset_law(cfg.law), cfg.d, cfg.T, cfg.m, 1, cfg.seed)
            key: object = table_key(data.x1, data.theta, cfg.T)[0]
        else:
            key = i
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def train_run(cfg: RunConfig, progress: Progress | None, data: Dataset, threads: int) -> TrainResult:
    """:func:`mesatheory.reproduce.training.train`, plus the jackknife SE when ``cfg.jackknife`` asks for it.

    Args:
        cfg: the run.
        progress: the progress callback of ``train``.
        data: the run's dataset.
        threads: threads per epoch (spectral engine).

    Returns:
        The trained run.
    """
    result = train(cfg, progress=progress, data=data, threads=threads)
    if cfg.jackknife and result.engine == "quartic":
        result.jackknife_se = jackknife_se(data, cfg)
    return result


def _one_hot(cfg: RunConfig) -> bool:
    """Whether every ``x_1`` of the run's law has at most one non-zero coordinate."""
    atoms = preset_law(cfg.law).atoms(cfg.d)
    return atoms is not None and all(sum(1 for v in vec if v != 0) <= 1 for _, vec in atoms)


def _cost(cfg: RunConfig, builds: bool = True) -> float:
    """Estimated work of a run, in quartic epochs (the constants above).

    Quartic engine: ``epochs + 1`` plus, for the run of its family that ``builds`` the tables, ``BUILD_COST`` per
    training sequence; spectral engine: ``SPECTRAL_COST`` per sequence and epoch. A one-hot law's build and spectral
    epochs weigh ``ONE_HOT_COST`` of that.
    """
    share = ONE_HOT_COST if _one_hot(cfg) else 1.0
    if pick_engine(cfg) == "quartic":
        return (cfg.epochs + 1) + (BUILD_COST * cfg.m * share if builds else 0.0)
    return (cfg.epochs + 1) * cfg.m * SPECTRAL_COST * share


def worker_bins(groups: list[list[int]], weights: Sequence[float], workers: int) -> list[list[int]]:
    """The families split among ``workers`` processes, each process's runs in the order it trains them.

    Families go costliest first to the least loaded process (so the processes end together); each process then
    trains its cheapest family first, so that finished figures reach this process — which writes them — early,
    not all at the end.

    Args:
        groups: the families (:func:`families`).
        weights: the cost of every run (:func:`_cost`).
        workers: the number of processes.

    Returns:
        One list of run indices per non-empty bin.
    """
    cost = [sum(weights[i] for i in g) for g in groups]
    bins: list[list[int]] = [[] for _ in range(workers)]
    load = [0.0] * workers
    for g in sorted(range(len(groups)), key=lambda g: -cost[g]):
        b = load.index(min(load))
        bins[b].append(g)
        load[b] += cost[g]
    return [[i for g in sorted(b, key=lambda g: cost[g]) for i in groups[g]] for b in bins if b]


def worker_context() -> Any:
    """The start method of the workers: ``fork`` on Linux when this process runs no other thread (the workers then
    start at once with everything imported: the ``forkserver`` costs ≈ 2 s of imports before the first run), else
    ``forkserver`` (a notebook kernel's threads, say, which forking can deadlock; and macOS, whose system
    libraries are not safe to use in a forked child — Python's own default there is ``spawn``).

    Returns:
        The :mod:`multiprocessing` context.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return mp.get_context("fork")
    return mp.get_context("forkserver")


def start_workers() -> None:
    """Start the ``forkserver`` now when the workers will come from one, without waiting for it: it imports
    :data:`PRELOAD` (numba's compiled kernel included) while this process goes on, and the pool of
    :func:`train_runs` forks its workers from it. Forked from this process instead, each worker loads the kernel
    itself, both at once (measured: faster than loading it here first, ≈ 1 s, with the other core idle) — but
    ``scipy.linalg``, which numba imports for its BLAS check while it loads the kernel (0.4 s), is imported here
    once, for both (measured, ``reproduce all --quick``: 7.0 s against 7.6 s, 0.9 s less CPU)."""
    ctx = worker_context()
    if ctx.get_start_method() == "fork":
        import scipy.linalg  # noqa: F401
        return
    ctx.set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()


def train_runs(configs: Sequence[RunConfig], workers: int = 1, progress: Progress | None = None,
               meanwhile: Sequence[Callable[[], object]] = ()) -> Iterator[tuple[int, TrainResult]]:
    """Train every configuration; yield ``(index, result)`` as runs finish (any order with ``workers > 1``).

    ``progress(message, fraction)`` receives the fraction of the estimated work done (:func:`_cost`). The families
    are split among the processes by :func:`worker_bins` (balanced, cheapest first within a process). An error in a
    run (e.g. a divergent learning rate) is raised here, and the other workers are stopped.

    Args:
        configs: the runs.
        workers: processes that train whole runs; with one worker (or one run) the runs are trained in this
            process, with ``workers`` threads per epoch.
        progress: if given, called as ``progress(message, fraction)``.
        meanwhile: short tasks of this process that need no result (the caller's preparations), run one at a time
            while the workers train (before the first run when there are no workers).

    Yields:
        ``(index, result)`` for each run, ``index`` its position in ``configs``.

    Raises:
        DivergenceError: a run diverged.
    """
    groups = families(configs)
    weights = [0.0] * len(configs)
    for g in groups:
        for i in g:
            weights[i] = _cost(configs[i], builds=i == g[0])
    total = float(sum(weights)) or 1.0
    done = [0.0] * len(configs)

    def note(index: int, message: str, fraction: float) -> None:
        done[index] = fraction
        if progress is not None:
            progress(message, sum(w * f for w, f in zip(weights, done)) / total)

    tasks = list(meanwhile)
    if workers <= 1 or len(configs) <= 1:
        for task in tasks:
            task()
        cache = DatasetCache()
        for i in range(len(configs)):
            cfg = configs[i]
            yield i, train_run(cfg, partial(note, i), cache.get(cfg), threads=workers)
        return

    start_workers()                             # a no-op when done already
    ctx = worker_context()
    reports = ctx.Queue()
    bins = worker_bins(groups, weights, workers)
    # one BLAS thread here too while the workers run (the caller's work between results included): with every
    # core taken by a worker, BLAS threads only wait for each other (measured: 2.5 s of CPU in reproduce --quick)
    with single_threaded_blas(), ctx.Pool(len(bins), initializer=_worker_init, initargs=(reports,)) as pool:
        pending = {b[0]: pool.apply_async(_worker_family, ([(i, configs[i]) for i in b],)) for b in bins}
        finished = 0
        while finished < len(configs):
            items: list[tuple] = []
            try:
                if tasks:
                    tasks.pop(0)()
                else:
                    items.append(reports.get(timeout=POLL_SECONDS))
                while True:
                    items.append(reports.get_nowait())
            except queue_mod.Empty:
                pass
            for kind, i, *payload in items:
                if kind == "result":
                    finished += 1
                    note(i, f"{configs[i].law}: run finished", 1.0)
                    yield i, payload[0]
                else:
                    note(i, *payload)
            for first in [g for g, job in pending.items() if job.ready()]:
                pending.pop(first).get()                        # re-raises a worker's exception
