"""mesatheory — verify the theory of *On Mesa-Optimization in Autoregressively Trained Transformers*.

Public API (mirrors the CLI)::

    import mesatheory
    law = mesatheory.get_law("gaussian:sigma=2")
    mesatheory.theorem1_product(law, d=5, T=100)        # exact SymPy number
    result = mesatheory.verify(law, d=5, T=100, seed=0)  # every claim
    result.to_dict()                                     # the CLI's --json object

    import sympy, sympy.stats as st
    mesatheory.law_from_sympy(st.Beta("b", 2, 2) - sympy.Rational(1, 2))   # any univariate SymPy law
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import LawError, MesatheoryError

if TYPE_CHECKING:
    from .laws import Law, builtin_laws, get_law, law_from_sympy
    from .theory import theorem1_product
    from .verify import VerifyResult, verify

#: the public names that load their module on first use (PEP 562), so ``import mesatheory.cli`` stays light and
#: a Ctrl-C while SymPy and SciPy load reaches the command line's handler
_LAZY = {"Law": ".laws", "builtin_laws": ".laws", "get_law": ".laws", "law_from_sympy": ".laws",
         "theorem1_product": ".theory", "VerifyResult": ".verify", "verify": ".verify"}


def __getattr__(name: str) -> Any:
    """Load a public name of :data:`_LAZY` from its module on first access."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


__all__ = ["Law", "LawError", "MesatheoryError", "VerifyResult", "builtin_laws", "get_law", "law_from_sympy",
           "theorem1_product", "verify"]
__version__ = "0.1.0"
