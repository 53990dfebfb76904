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

from .errors import LawError, MesatheoryError
from .laws import Law, builtin_laws, get_law, law_from_sympy
from .theory import theorem1_product
from .verify import VerifyResult, verify

__all__ = ["Law", "LawError", "MesatheoryError", "VerifyResult", "builtin_laws", "get_law", "law_from_sympy",
           "theorem1_product", "verify"]
__version__ = "0.1.0"
