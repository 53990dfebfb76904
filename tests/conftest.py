"""Shared test settings: hypothesis explores locally and is derandomised in CI; no deadlines for SymPy-heavy tests.

Under ``CI`` (set by the CI runner) the ``ci`` profile is derandomised, so a CI run is reproducible; elsewhere the
``dev`` profile draws new examples each run and keeps failing ones in hypothesis' example database. Choose another
with ``HYPOTHESIS_PROFILE``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
