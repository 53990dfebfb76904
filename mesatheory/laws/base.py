"""Laws of the first token ``x_1 ∈ R^d``.

A law is known two ways at once, as in ``scipy.stats``/``sympy.stats``:

* **exactly**, through its joint moments ``E[x_{1,1}^{p_1} ⋯ x_{1,d}^{p_d}]`` (SymPy numbers: rationals,
  surds and ``oo`` stay exact), computed from the law's definition;
* **by sampling**, through a NumPy sampler ``sample(rng, n, d) -> (n, d) float64``.

Two kinds cover every law the paper uses:

* :class:`IIDLaw` — the ``d`` coordinates are i.i.d. copies of a univariate SymPy random expression
  (``sympy.stats.Normal``, ``FiniteRV``, ``Beta(...) - 1/2``, ...). Joint moments factorise.
* :class:`AtomicLaw` — a law on ``R^d`` with finitely many atoms ``(probability, vector)`` that may depend
  on ``d`` (the sparse law ``±c e_k`` and the full-one vector ``c 1_d``). Joint moments are finite sums.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp
import sympy.stats as st

from ..errors import LawError
from .sampling import Sampler, fast_sampler

MGF_DEGREE = 48   # moments read off one series of the moment-generating function, where it exists
MGF_FIRST = 16    # ... the first series goes this far (the theory's moments; its cost grows as the degree squared:
                  # 8 ms against 53 ms for the Gaussian); a higher moment asks for the series to MGF_DEGREE


def _moments_from_mgf(expr: sp.Expr, top: int) -> dict[int, sp.Expr]:
    """``{p: E[X^p]}`` for ``p ≤ top`` from one Taylor series of the moment-generating function, or ``{}``.

    For ``X = a·Y + b`` with ``Y`` a single random symbol whose distribution has an MGF in SymPy,
    ``E[Y^k] = k!·[t^k] M_Y(t)`` and ``E[X^p] = Σ_k C(p,k) a^k b^{p−k} E[Y^k]``: one series instead of ``top``
    integrals (measured: 0.14 s against 2.4 s for the Gaussian up to degree 24). Anything else — no MGF
    (Student-t), a non-affine expression, a coefficient that is not a finite number — gives ``{}``, and the moments
    are integrated one by one.
    """
    (symbol,) = st.random_symbols(expr)
    y = sp.Dummy("y", real=True)
    plain = sp.expand(expr.subs(symbol, y))
    if not plain.is_polynomial(y) or sp.degree(plain, y) > 1:
        return {}
    a, b = plain.coeff(y, 1), plain.coeff(y, 0)
    t = sp.Dummy("t")
    try:
        mgf = st.moment_generating_function(symbol)(t)
        if mgf.has(sp.Integral, sp.Piecewise):   # SymPy's MGF holds an unevaluated or conditional integral
            return {}
        coefficients = _taylor(mgf, t, top)
    except Exception:  # SymPy raises many types where no MGF or no series exists
        return {}
    base = [sp.simplify(sp.factorial(k) * coefficients[k]) for k in range(top + 1)]
    if not all(m.is_number and m.is_finite for m in base):
        return {}
    return {p: sp.simplify(sum(sp.binomial(p, k) * a**k * b ** (p - k) * base[k] for k in range(p + 1)))
            for p in range(top + 1)}


def _taylor(expr: sp.Expr, t: sp.Symbol, top: int) -> list[sp.Expr]:
    """The Taylor coefficients ``[t^k] expr``, ``k = 0..top``, exactly.

    Two rewrites keep SymPy's ``series`` off its slow paths (measured for degree 12: the Logistic MGF
    ``B(1 − t, 1 + t)`` took over 100 s, the Poisson MGF ``exp(λ(e^t − 1))`` over 60 s):

    * Gamma and Beta functions are rewritten with the reflection formula (``gammasimp``): ``B(1 − t, 1 + t) =
      πt/sin(πt)``, whose series is immediate;
    * for ``exp(h)`` the series of ``h`` is taken and exponentiated by the recurrence of ``g = e^h``, ``g' = h'g``:
      ``g_0 = e^{h_0}``, ``g_n = (1/n) Σ_{k=1}^{n} k h_k g_{n−k}``.

    Args:
        expr: an expression analytic at ``t = 0``.
        t: the variable.
        top: the highest power.

    Returns:
        The ``top + 1`` coefficients.
    """
    if expr.has(sp.beta, sp.gamma):
        expr = sp.gammasimp(expr.rewrite(sp.gamma))
    if isinstance(expr, sp.exp):
        h = _taylor(expr.args[0], t, top)
        g = [sp.exp(h[0])]
        for n in range(1, top + 1):
            g.append(sp.expand(sum(k * h[k] * g[n - k] for k in range(1, n + 1)) / n))
        return g
    series = sp.series(expr, t, 0, top + 1).removeO()
    return [series.coeff(t, k) for k in range(top + 1)]


def _finite_moments(expr: sp.Expr, top: int) -> dict[int, sp.Expr]:
    """``{p: E[X^p] = Σ_v P(X = v)·v^p}`` for ``p ≤ top`` when ``X`` takes finitely many values, or ``{}``.

    Summing over the atoms is exact and immediate, where the series of the moment-generating function of a finite
    law costs seconds (measured: 2.5 s against 0.05 s for seven rational atoms up to degree 48).
    """
    (symbol,) = st.random_symbols(expr)
    if not isinstance(st.pspace(symbol), st.frv.SingleFinitePSpace):
        return {}
    atoms = st.density(expr).dict.items()
    return {p: sp.expand(sum(prob * value**p for value, prob in atoms)) for p in range(top + 1)}


def _univariate_moment(expr: sp.Expr, p: int) -> sp.Expr:
    """``E[X^p]`` for a univariate random expression, exactly.

    ``sympy.stats.E`` is tried first; where it refuses (it raises ``NotImplementedError`` for StudentT)
    or leaves an unevaluated integral, the density is integrated directly — after a tail test: if
    ``|x|^{p+1} f(±x)`` does not tend to 0 the moment diverges and is ``oo`` (SymPy can spend minutes
    on a borderline-divergent integral such as ``E[X^6]`` of a t(6) law).
    """
    if p == 0:
        return sp.Integer(1)
    try:
        value = st.E(expr**p)
    except NotImplementedError:
        value = None
    if value is None or value.has(sp.Integral) or value.has(st.Expectation):
        x = sp.Dummy("x", positive=True)
        density = st.density(expr)
        if any(sp.limit(x ** (p + 1) * density(side * x), x, sp.oo) != 0 for side in (1, -1)):
            return sp.oo  # a tail decays no faster than |x|^-(p+1): E|X|^p diverges
        y = sp.Dummy("y", real=True)
        value = sp.integrate(y**p * density(y), (y, -sp.oo, sp.oo))
        if value.has(sp.Integral):
            raise LawError(f"SymPy could not compute E[X^{p}] for {expr}")
    if value.has(sp.beta, sp.gamma):
        value = sp.gammasimp(value.rewrite(sp.gamma))
    value = sp.simplify(value)
    if value.has(sp.zoo, sp.nan) or (value.is_infinite is True):
        return sp.oo
    return value


@dataclass(frozen=True, eq=False, repr=False)
class Law:
    """Base class: a named law of ``x_1`` with exact parameters.

    Attributes:
        name: registry name (``"gaussian"``) or a description for user laws.
        params: exact parameter values (SymPy rationals), in a fixed order.
        iid: whether the coordinates are i.i.d.
    """

    name: str
    params: Mapping[str, sp.Rational]
    iid: bool = field(init=False, default=False)

    @property
    def spec(self) -> str:
        """The law as a spec string, ``name:key=value,...`` (parseable by :func:`mesatheory.get_law`)."""
        if not self.params:
            return self.name
        return self.name + ":" + ",".join(f"{k}={v}" for k, v in self.params.items())

    def joint_moment(self, exponents: Sequence[int]) -> sp.Expr:
        """``E[∏_j x_{1,j}^{p_j}]`` for ``d = len(exponents)``, exactly.

        Args:
            exponents: the powers ``(p_1, …, p_d)``, one per coordinate.

        Returns:
            The moment as a SymPy number (``oo`` when it diverges).
        """
        raise NotImplementedError

    def marginal_moment(self, p: int, d: int) -> sp.Expr:
        """``E[x_{1,1}^p]`` (the first coordinate) for dimension ``d``.

        Args:
            p: the power.
            d: the dimension of ``x_1``.

        Returns:
            The moment as a SymPy number (``oo`` when it diverges).
        """
        return self.joint_moment((p,) + (0,) * (d - 1))

    def moment_is_finite(self, p: int, d: int) -> bool:
        """Whether ``E|x_{1,j}|^p < ∞`` for every coordinate, without computing the moment where that is cheaper.

        Args:
            p: the (even) power.
            d: the dimension of ``x_1``.

        Returns:
            ``True`` when the moment is finite.
        """
        return bool(self.marginal_moment(p, d).is_finite)

    def sample(self, rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        """``n`` draws of ``x_1 ∈ R^d``.

        Args:
            rng: the random generator the draws come from.
            n: the number of draws.
            d: the dimension of ``x_1``.

        Returns:
            An ``(n, d)`` float64 array, one draw per row.
        """
        raise NotImplementedError

    def atoms(self, d: int) -> list[tuple[sp.Expr, tuple[sp.Expr, ...]]] | None:
        """The exact finite support in ``R^d``.

        Args:
            d: the dimension of ``x_1``.

        Returns:
            ``[(probability, vector), ...]`` when the law has finitely many atoms, else ``None``.
        """
        return None

    def __repr__(self) -> str:
        return f"<law {self.spec}>"

    def _repr_latex_(self) -> str:
        """The law in LaTeX, for notebooks (:func:`mesatheory.display.law_latex`)."""
        from ..display import law_latex
        return law_latex(self)


@dataclass(frozen=True, eq=False, repr=False)
class IIDLaw(Law):
    """i.i.d. coordinates, each distributed as the univariate SymPy random expression ``rv``."""

    rv: sp.Expr = None
    sampler: Sampler | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "iid", True)
        symbols = st.random_symbols(self.rv)
        if len(symbols) != 1:
            raise LawError(
                f"a law needs exactly one SymPy random symbol, got {len(symbols)} in {self.rv}")
        object.__setattr__(self, "_moments", {})
        object.__setattr__(self, "_series_degree", 0)

    def moment(self, p: int) -> sp.Expr:
        """``E[X^p]`` of one coordinate, exactly (cached).

        Args:
            p: the power.

        Returns:
            The moment as a SymPy number (``oo`` when it diverges).

        Raises:
            LawError: SymPy cannot compute the moment.
        """
        cache: dict[int, sp.Expr] = self._moments  # type: ignore[attr-defined]
        done: int = self._series_degree  # type: ignore[attr-defined]
        if p not in cache and done < MGF_DEGREE:
            top = MGF_FIRST if done == 0 and p <= MGF_FIRST else MGF_DEGREE
            cache.update(_finite_moments(self.rv, top) or _moments_from_mgf(self.rv, top))
            object.__setattr__(self, "_series_degree", top)
        if p not in cache:
            cache[p] = _univariate_moment(self.rv, p)
        return cache[p]

    def joint_moment(self, exponents: Sequence[int]) -> sp.Expr:
        """``E[∏_j x_{1,j}^{p_j}] = ∏_j E[X^{p_j}]``: the coordinates are independent.

        Args:
            exponents: the powers ``(p_1, …, p_d)``, one per coordinate.

        Returns:
            The product of the coordinates' moments (:meth:`moment`).
        """
        value = sp.Integer(1)
        for p in exponents:
            value *= self.moment(p)
        return value

    def univariate_atoms(self) -> list[tuple[sp.Expr, sp.Expr]] | None:
        """The atoms of one coordinate.

        Returns:
            ``[(probability, value), ...]`` when one coordinate has finite support, else ``None``.
        """
        if not _is_finite(self.rv):
            return None
        return [(sp.sympify(prob), sp.sympify(val)) for val, prob in st.density(self.rv).dict.items()]

    def atoms(self, d: int) -> list[tuple[sp.Expr, tuple[sp.Expr, ...]]] | None:
        """The product of ``d`` copies of :meth:`univariate_atoms`.

        Args:
            d: the dimension of ``x_1``.

        Returns:
            ``[(probability, vector), ...]`` (every combination of the coordinates' atoms), or ``None`` when a
            coordinate has infinite support.
        """
        one = self.univariate_atoms()
        if one is None:
            return None
        out: list[tuple[sp.Expr, tuple[sp.Expr, ...]]] = [(sp.Integer(1), ())]
        for _ in range(d):
            out = [(p * q, v + (w,)) for p, v in out for q, w in one]
        return out

    def fast_sampler(self) -> Sampler | None:
        """The ``scipy.stats.sampling`` sampler of :func:`mesatheory.laws.sampling.fast_sampler`, built once per law.

        Returns:
            The sampler, or ``None`` when none of its ways applies (then SymPy's sampler is used).
        """
        cache = self.__dict__
        if "_fast" not in cache:
            object.__setattr__(self, "_fast", fast_sampler(self.rv))
        return cache["_fast"]

    def sample(self, rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        """``n`` draws of ``x_1``: the NumPy sampler if given, else the exact atoms, else :meth:`fast_sampler`,
        else SymPy's (slow) sampler.

        Args:
            rng: the random generator the draws come from.
            n: the number of draws.
            d: the dimension of ``x_1``.

        Returns:
            An ``(n, d)`` float64 array, one draw per row.

        Raises:
            LawError: SymPy cannot sample the random expression.
        """
        if self.sampler is not None:
            return np.asarray(self.sampler(rng, n, d), dtype=np.float64).reshape(n, d)
        one = self.univariate_atoms()
        if one is not None:
            values = np.array([float(v) for _, v in one])
            probs = np.array([float(p) for p, _ in one])
            return values[rng.choice(len(values), size=(n, d), p=probs / probs.sum())]
        fast = self.fast_sampler()
        if fast is not None:
            return fast(rng, n, d)
        seed = int(rng.integers(2**32 - 1))
        try:
            draws = st.sample(self.rv, size=(n, d), library="scipy", seed=seed)
        except Exception as exc:  # SymPy raises many types for unsupported samplers
            raise LawError(f"SymPy cannot sample {self.rv}: {exc}") from exc
        return np.asarray(draws, dtype=np.float64).reshape(n, d)


def _is_finite(expr: sp.Expr) -> bool:
    """Whether a random expression has finite support (e.g. a function of a FiniteRV)."""
    return all(isinstance(st.pspace(s), st.frv.SingleFinitePSpace) for s in st.random_symbols(expr))


@dataclass(frozen=True, eq=False, repr=False)
class AtomicLaw(Law):
    """A law on ``R^d`` with finitely many atoms, ``atom_fn(d) -> [(probability, vector), ...]``."""

    atom_fn: Callable[[int], list[tuple[sp.Expr, tuple[sp.Expr, ...]]]] = None  # type: ignore[assignment]

    def atoms(self, d: int) -> list[tuple[sp.Expr, tuple[sp.Expr, ...]]]:
        """The atoms ``atom_fn(d)`` (computed once per ``d``).

        Args:
            d: the dimension of ``x_1``.

        Returns:
            ``[(probability, vector), ...]``.
        """
        return _cached_atoms(self.atom_fn, d)

    def joint_moment(self, exponents: Sequence[int]) -> sp.Expr:
        """``E[∏_j x_{1,j}^{p_j}]`` as the finite sum over the atoms.

        Args:
            exponents: the powers ``(p_1, …, p_d)``, one per coordinate.

        Returns:
            ``Σ_atoms probability · ∏_j v_j^{p_j}``, simplified.
        """
        used = [(j, p) for j, p in enumerate(exponents) if p]
        total = sp.Integer(0)
        for prob, vec in self.atoms(len(exponents)):
            term = prob
            for j, p in used:
                if vec[j] == 0:
                    term = sp.Integer(0)
                    break
                term *= vec[j] ** p
            total += term
        return total if total.is_Rational else sp.simplify(total)

    def sample(self, rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        """``n`` draws of ``x_1``, each atom with its probability.

        Args:
            rng: the random generator the draws come from.
            n: the number of draws.
            d: the dimension of ``x_1``.

        Returns:
            An ``(n, d)`` float64 array, one draw per row.
        """
        atoms = self.atoms(d)
        table = np.array([[float(v) for v in vec] for _, vec in atoms], dtype=np.float64)
        probs = np.array([float(p) for p, _ in atoms])
        return table[rng.choice(len(atoms), size=n, p=probs / probs.sum())]


@lru_cache(maxsize=64)
def _cached_atoms(atom_fn: Callable, d: int) -> list:
    return atom_fn(d)


def _free_parameters(expr: sp.Expr, symbol: sp.Expr) -> set[sp.Symbol]:
    """The plain (non-random) symbols ``expr`` or its distribution depends on."""
    x = sp.Dummy("x")
    density = st.density(symbol)
    try:
        free = set(density(x).free_symbols) - {x}
    except Exception:  # a density SymPy cannot evaluate symbolically: judge by the expression alone
        free = set()
    return {s for s in free | (expr.free_symbols - {symbol}) if not isinstance(s, st.rv.RandomSymbol)}


def law_from_sympy(rv: sp.Expr, name: str | None = None, sampler: Sampler | None = None) -> IIDLaw:
    """An i.i.d. law whose coordinates are distributed as the univariate SymPy random expression ``rv``.

    Any expression in exactly one random symbol works, e.g. ``sympy.stats.Beta("b", 2, 2) - Rational(1, 2)``
    or ``sympy.stats.FiniteRV("f", {-1: Rational(1, 3), 2: Rational(1, 6), 0: Rational(1, 2)})``.
    Exact moments come from SymPy; sampling is exact for finite laws, and otherwise by exact or numerical
    inversion of the CDF or an alias table (:mod:`mesatheory.laws.sampling`, built once per law), unless a NumPy
    ``sampler(rng, n, d)`` is given.

    Args:
        rv: the univariate random expression of one coordinate.
        name: the law's name (default: ``str(rv)``).
        sampler: an optional NumPy sampler ``sampler(rng, n, d) -> (n, d)`` array.

    Returns:
        The i.i.d. law.

    Raises:
        LawError: ``rv`` is not a SymPy expression in exactly one random symbol.
    """
    if not isinstance(rv, sp.Basic) or not st.random_symbols(rv):
        raise LawError(f"law_from_sympy needs a SymPy random expression, got {str(rv)[:60]!r}")
    symbols = st.random_symbols(rv)
    if len(symbols) != 1:
        raise LawError(f"law_from_sympy needs an expression in one random symbol, got {len(symbols)} in {rv}")
    space = st.pspace(symbols[0])
    if not isinstance(space, (st.crv.SingleContinuousPSpace, st.drv.SingleDiscretePSpace,
                              st.frv.SingleFinitePSpace)) or getattr(symbols[0], "is_Matrix", False):
        raise LawError(f"law_from_sympy needs a univariate random variable (each coordinate is an i.i.d. copy), "
                       f"got {type(space).__name__} for {symbols[0]}")
    free = _free_parameters(rv, symbols[0])
    if free:
        raise LawError(f"the law has free symbols {', '.join(sorted(map(str, free)))}: give them numbers")
    return IIDLaw(name=name or str(rv), params={}, rv=rv, sampler=sampler)
