"""Run a suite's jobs in parallel: ``joblib`` (loky processes) on this machine, or a Dask cluster by address.

Both paths go through :class:`joblib.Parallel` — the Dask one with joblib's ``dask`` backend on a
``distributed.Client`` — and each job is the deterministic :func:`mesatheory.verify` of a spec, so the same suite
gives the same numbers wherever it runs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from joblib import Parallel, delayed, parallel_config

from ..errors import InputError, MesatheoryError
from ..progress import track
from .result import JobOutcome, SuiteResult
from .spec import Job, Suite

CONNECT_TIMEOUT = "10s"   # how long to wait for a Dask scheduler before reporting that it cannot be reached



def run_job(job: Job) -> JobOutcome:
    """Run one job (in a worker process): build the law from its spec and verify every claim.

    Args:
        job: the job.

    Returns:
        Its outcome; an input the package refuses (e.g. numbers float64 cannot carry) is an outcome with
        ``error``, not an exception, so one bad grid point does not stop a sweep.
    """
    from ..verify import verify

    start = time.perf_counter()
    try:
        result, error = verify(job.law, d=job.d, T=job.T, seed=job.seed, a0=job.a0, b0=job.b0,
                               samples=job.samples).to_dict(), None
    except MesatheoryError as exc:
        result, error = None, str(exc)
    return JobOutcome(job, result, error, time.perf_counter() - start)


@contextmanager
def _backend(n_jobs: int | None, scheduler: str | None) -> Iterator[None]:
    """joblib's backend for the run: loky with ``n_jobs`` processes, or Dask on the scheduler at ``scheduler``."""
    if scheduler is None:
        with parallel_config(backend="loky", n_jobs=n_jobs or os.cpu_count() or 1):
            yield
        return
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs Dask's distributed package: pip install 'mesatheory[cluster]'") from None
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
    with client, parallel_config(backend="dask", client=client, n_jobs=-1):
        yield


def run_suite(suite: Suite, n_jobs: int | None = None, scheduler: str | None = None,
              progress: bool | None = None) -> SuiteResult:
    """Run every job of a suite in parallel.

    Args:
        suite: the suite (:func:`~mesatheory.suite.spec.load_suite`).
        n_jobs: worker processes on this machine (default: one per core); ignored with ``scheduler``.
        scheduler: the address of a Dask distributed scheduler (``tcp://host:8786``) to run the jobs on instead.
        progress: draw a bar over the finished jobs (default: when someone watches,
            :func:`mesatheory.progress.interactive`).

    Returns:
        The outcomes, in the suite's job order.

    Raises:
        InputError: ``n_jobs`` is not a positive whole number, or the scheduler cannot be reached.
    """
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1):
        raise InputError(f"jobs must be a positive whole number, got {n_jobs!r}")
    with _backend(n_jobs, scheduler):
        results = Parallel(return_as="generator")(delayed(run_job)(job) for job in suite.jobs)
        outcomes = tuple(track(results, len(suite.jobs), f"check {suite.name}", progress))
    return SuiteResult(suite, outcomes)
