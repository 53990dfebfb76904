"""Laws of the first token ``x_1``: law types, the built-in families, the spec grammar, moments and Assumption 2.

* :mod:`.base` — the law types (:class:`Law`, :class:`IIDLaw`, :class:`AtomicLaw`) and :func:`law_from_sympy`;
* :mod:`.builtins` — the built-in families (``gaussian``, ``sparse``, ...);
* :mod:`.joint`, :mod:`.scaled` — joint laws: exchangeable with dependent coordinates; independent coordinates with
  different scales (not exchangeable);
* :mod:`.spec` — the spec grammar ``name:key=value,...`` (:func:`get_law`);
* :mod:`.moments` — ``m2, κ1, κ2, κ3`` and Assumption 2 decided exactly.
"""

from .base import AtomicLaw, IIDLaw, Law, law_from_sympy
from .builtins import FAMILIES, LawFamily, builtin_laws
from .moments import Decision, Kappas, coordinate_kappas, decide_assumption2, kappas
from .spec import get_law, parse_number

__all__ = ["FAMILIES", "AtomicLaw", "Decision", "IIDLaw", "Kappas", "Law", "LawFamily", "builtin_laws",
           "coordinate_kappas", "decide_assumption2", "get_law", "kappas", "law_from_sympy", "parse_number"]
