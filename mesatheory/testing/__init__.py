"""Property-based testing of the paper's claims in a user's own test suite (hypothesis strategies + assertions).

* :mod:`.strategies` — laws of ``x_1`` (built-in families with drawn parameters, finite symmetric laws, SymPy
  laws) and settings (``d``, ``T``, the initialisation ``(a_0, b_0)``);
* :mod:`.assertions` — a claim holds within its own band, read from the verdict's machine-readable fields.

Example (a test file of your own)::

    from hypothesis import given, settings
    from mesatheory.claims.theorem1 import check_closed_form
    from mesatheory.testing import assert_holds, claim_settings

    @settings(max_examples=20, deadline=None)
    @given(claim_settings())
    def test_theorem1_closed_form(setting):
        assert_holds(check_closed_form(setting))

``hypothesis`` is imported by :mod:`.strategies` only (it is in the ``test`` extra).
"""

from .assertions import assert_holds, assert_verified, band_holds
from .strategies import (
    builtin_specs,
    claim_settings,
    dims,
    finite_symmetric_laws,
    inits,
    laws,
    lengths,
    sympy_laws,
)

__all__ = ["assert_holds", "assert_verified", "band_holds", "builtin_specs", "claim_settings", "dims",
           "finite_symmetric_laws", "inits", "laws", "lengths", "sympy_laws"]
