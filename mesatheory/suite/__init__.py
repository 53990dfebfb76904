"""``mesatheory check SUITE.toml``: a catalogue of verification runs, run in parallel, reported for CI.

* :mod:`.spec` — the suite file (validated against ``mesatheory/schema/suite.v1.json``) expanded into jobs;
* :mod:`.run` — the jobs run with ``joblib`` on this machine, or on a Dask distributed cluster;
* :mod:`.result` — the outcomes and their totals;
* :mod:`.report` — the summary table, the JSON and the JUnit XML (each claim a test case).
"""

from .report import write_outputs
from .result import JobOutcome, SuiteResult
from .run import run_suite
from .spec import Job, Suite, load_suite

__all__ = ["Job", "JobOutcome", "Suite", "SuiteResult", "load_suite", "run_suite", "write_outputs"]
