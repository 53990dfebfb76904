"""Fast NumPy samplers for univariate SymPy laws, built once per law with ``scipy.stats.sampling``.

A user law ``X = g(Y)`` is a function ``g`` of one SymPy random symbol ``Y``. We sample ``Y`` and apply ``g``
(lambdified for NumPy); ``Y`` is sampled by the first of:

* **exact inversion** — ``Y = F^{-1}(U)``, ``U ~ U(0, 1)``, when SymPy gives the CDF ``F`` in closed form and
  ``sympy.solve`` one closed-form root of ``F(y) = u`` that inverts ``F`` on the whole support (checked at a grid
  of ``u``): Exponential, Pareto, Kumaraswamy, Logistic, ...;
* **numerical inversion** of a continuous density — ``scipy.stats.sampling.NumericalInversePolynomial`` on the
  lambdified density ``f``, with u-resolution :data:`U_RESOLUTION` (the largest ``|F(F̂^{-1}(u)) − u|``, far
  below anything ``2^18`` draws can resolve): semicircle, Beta, triangular, Student-t, ...;
* **an alias table** of a discrete law with infinite support — ``scipy.stats.sampling.DiscreteAliasUrn`` on the
  pmf truncated where the remaining mass is below :data:`DISCRETE_TAIL` (Poisson, Geometric, ...).

Where none applies (a density that does not lambdify, a pmf whose tail is too heavy to truncate) :func:`fast_sampler`
returns ``None`` and the law falls back to SymPy's own sampler (slow, but it covers what SymPy covers).
Every sampler draws from the ``numpy.random.Generator`` it is given, so the same seed gives the same draws.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp
import sympy.stats as st

Sampler = Callable[[np.random.Generator, int, int], np.ndarray]
Draw = Callable[[np.random.Generator, int], np.ndarray]   # n draws of the random symbol Y

U_RESOLUTION = 1e-12        # u-error of the numerical inversion (SciPy accepts 1e-15 … 1e-5)
DISCRETE_TAIL = 1e-15       # probability mass left out of a truncated discrete law
DISCRETE_MAX_ATOMS = 10**6  # most atoms of a truncated discrete law
_INVERSE_GRID = np.linspace(0.005, 0.995, 23)   # the u at which a closed-form inverse CDF is checked
_MODULES = ["scipy", "numpy"]


def _support(distribution: object) -> tuple[float, float]:
    """The support ``(lo, hi)`` of a SymPy distribution as floats (``±inf`` for unbounded sides)."""
    interval = distribution.set  # type: ignore[attr-defined]
    return float(interval.inf), float(interval.sup)


def _exact_inverse(distribution: object, lo: float, hi: float) -> Draw | None:
    """``Y = F^{-1}(U)`` from a closed-form CDF, when one root of ``F(y) = u`` inverts it on all of ``(0, 1)``."""
    y, u = sp.Dummy("y", real=True), sp.Dummy("u", positive=True)
    try:
        cdf = distribution._cdf(y)  # type: ignore[attr-defined]   # SymPy's closed form, None when it has none
    except Exception:  # SymPy raises many types for distributions without a closed-form CDF
        return None
    if cdf is None:
        return None
    pieces = [e for e, _ in cdf.args] if isinstance(cdf, sp.Piecewise) else [cdf]
    for piece in pieces:
        if not piece.has(y):
            continue
        try:
            roots = sp.solve(sp.Eq(piece, u), y)
        except Exception:  # no closed-form root
            continue
        for root in roots:
            inverse = sp.lambdify(u, root, _MODULES)
            forward = sp.lambdify(y, cdf, _MODULES)
            with np.errstate(all="ignore"):
                values = np.asarray(inverse(_INVERSE_GRID), dtype=np.complex128)
                real = values.real
                ok = (np.all(np.abs(values.imag) < 1e-12) and np.all((real >= lo) & (real <= hi))
                      and np.allclose(np.asarray(forward(real), dtype=np.float64), _INVERSE_GRID, atol=1e-12))
            if ok:
                return _inverse_draw(inverse)
    return None


def _inverse_draw(inverse: Callable[[np.ndarray], np.ndarray]) -> Draw:
    """``n`` draws ``F^{-1}(U)`` (the real part: a closed-form root may carry a zero imaginary part)."""
    return lambda rng, n: np.real(np.asarray(inverse(rng.random(n)), dtype=np.complex128))


class _Density:
    """The lambdified density of a continuous SymPy distribution, in the form ``scipy.stats.sampling`` reads."""

    def __init__(self, distribution: object, lo: float, hi: float) -> None:
        y = sp.Dummy("y", real=True)
        self._pdf = sp.lambdify(y, distribution.pdf(y), _MODULES)  # type: ignore[attr-defined]
        self._support = (lo, hi)

    def pdf(self, y: float) -> float:
        """The density at ``y`` (0 outside the support)."""
        lo, hi = self._support
        return float(self._pdf(y)) if lo <= y <= hi else 0.0

    def support(self) -> tuple[float, float]:
        """The support ``(lo, hi)``."""
        return self._support


def _numerical_inverse(distribution: object, lo: float, hi: float) -> Draw | None:
    """``scipy.stats.sampling.NumericalInversePolynomial`` on the lambdified density, or ``None`` if it fails."""
    from scipy.stats import sampling  # 0.9 s to import: only for a law that needs it
    try:
        density = _Density(distribution, lo, hi)
        generator = sampling.NumericalInversePolynomial(density, u_resolution=U_RESOLUTION)
    except Exception:  # a density that does not lambdify or that PINV cannot set up (unbounded, multimodal)
        return None
    return lambda rng, n: np.asarray(generator.rvs(n, random_state=rng), dtype=np.float64)


def _alias_table(distribution: object, lo: float) -> Draw | None:
    """``DiscreteAliasUrn`` on the pmf from ``lo`` up to where the remaining mass is below :data:`DISCRETE_TAIL`."""
    from scipy.stats import sampling  # as in _numerical_inverse
    k = sp.Dummy("k", integer=True)
    try:
        pmf = sp.lambdify(k, distribution.pdf(k), _MODULES)  # type: ignore[attr-defined]
        start = int(lo)
        probs: list[float] = []
        total, block = 0.0, 1024
        while total < 1.0 - DISCRETE_TAIL and len(probs) < DISCRETE_MAX_ATOMS:
            ks = np.arange(start + len(probs), start + len(probs) + block, dtype=np.float64)
            values = np.asarray(pmf(ks), dtype=np.float64)
            probs.extend(values.tolist())
            total = float(np.sum(probs))
            block *= 2
    except Exception:  # a pmf that does not lambdify, or an unbounded-below support
        return None
    if not total >= 1.0 - DISCRETE_TAIL or not np.all(np.isfinite(probs)):
        return None   # the tail is too heavy to truncate: SymPy's sampler instead
    table = np.asarray(probs)
    last = int(np.nonzero(np.cumsum(table) >= 1.0 - DISCRETE_TAIL)[0][0])
    urn = sampling.DiscreteAliasUrn(table[:last + 1])
    return lambda rng, n: start + np.asarray(urn.rvs(n, random_state=rng), dtype=np.float64)


def _symbol_sampler(symbol: sp.Expr) -> Draw | None:
    """The fastest of the three ways (module docstring) to draw the random symbol ``Y``, or ``None``."""
    space = st.pspace(symbol)
    distribution = space.distribution
    if isinstance(space, st.crv.SingleContinuousPSpace):
        lo, hi = _support(distribution)
        return _exact_inverse(distribution, lo, hi) or _numerical_inverse(distribution, lo, hi)
    if isinstance(space, st.drv.SingleDiscretePSpace):
        lo, _ = _support(distribution)
        return _alias_table(distribution, lo) if np.isfinite(lo) else None
    return None


def fast_sampler(rv: sp.Expr) -> Sampler | None:
    """A NumPy sampler ``sampler(rng, n, d)`` of i.i.d. copies of ``rv = g(Y)``, or ``None`` (module docstring).

    Args:
        rv: a univariate SymPy random expression in one random symbol ``Y``.

    Returns:
        The sampler (draws ``Y`` by inversion or an alias table, then applies ``g``), or ``None`` where none of
        the three ways applies.
    """
    (symbol,) = st.random_symbols(rv)
    draw = _symbol_sampler(symbol)
    if draw is None:
        return None
    y = sp.Dummy("y", real=True)
    g = sp.lambdify(y, rv.subs(symbol, y), _MODULES)

    def sample(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        values = g(draw(rng, n * d))
        return np.broadcast_to(np.asarray(values, dtype=np.float64), (n * d,)).reshape(n, d)
    return sample


__all__ = ["DISCRETE_TAIL", "U_RESOLUTION", "fast_sampler"]
