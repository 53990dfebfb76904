"""Full-batch gradient descent on the full model, as the paper trained it (docs/paper.md §5).

One run: draw ``m`` training and ``m_test`` test sequences from ``default_rng(seed)`` (training ``x_1``, training
phases, then test ``x_1``, test phases — the order of :func:`mesatheory.model.process.sample_sequences`), start
from the diagonal initialisation ``(a_0, b_0)`` and take ``epochs`` steps ``θ ← θ - η ∇L(θ)`` on the official loss
``L = (1/m) Σ_n Σ_{t=2}^{T-1} ½||ŷ_t - x_{t+1}||²`` over every entry of ``W^{KQ}, W^{PV}`` (see
:mod:`mesatheory.model.full`). With ``mask`` the off-diagonal entries of ``W^{PV}_{12}`` and ``W^{KQ}_{32}`` are
zeroed after each step (the official ``--clip``).

**Real or complex parameters.** Real by default. The model and the theory are real; the law of the data is
invariant under conjugation (``θ → -θ``), so at a real point the population gradient has no imaginary part and
the population flow stays real. The official code uses complex parameters (``complex_params=True`` reproduces
that: gradient descent on real and imaginary parts with the same step, PyTorch's convention). On a finite
sample the imaginary gradient is sampling noise of order ``1/√m``; its effect on ``ab`` is second order: the extra
entries fit a little more of the sample's noise and ``ab`` ends slightly higher (measured at d = 5, T = 100,
m = 2000: +0.3 SE, about 1 %; at d = 3, T = 10: +1.2 SE at m = 200, +0.2–0.4 SE at m = 3200). The
logged ``ab`` is the official one, the mean over ``j`` of ``Re W^{KQ}_{32}[j,j] · Re W^{PV}_{12}[j,j]``; for
complex runs the log also records the norm of the imaginary parts.

Per-epoch log (``epochs + 1`` rows; row ``e`` is after ``e`` steps): ``ab``, ``offdiag`` (Frobenius norm of all
entries outside the diagonal form of Assumption 1), ``train_loss``, ``test_ratio`` (mean of
``Re ŷ_{T-1,j} / x_{T,j}`` over test sequences and coordinates with ``x_{T,j} ≠ 0``), ``test_mse_last`` (mean of
``|ŷ_{T-1,j} - x_{T,j}|²`` over test sequences and coordinates) and, when asked, ``test_loss`` (the official
evaluation loss ``½ Σ_t Σ_j |ŷ_t - x_{t+1}|²`` averaged over test sequences — what the paper's sparse
"MSE loss at T_te" panel plots).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Generic, TypeVar

import numpy as np

from .. import paper
from .._io import Progress
from ..errors import DivergenceError, MesatheoryError
from ..laws import Law
from ..model.diagonal import targets, unit_predictions
from ..model.full import LastPosition, loss_and_grad_direct
from ..model.parameters import (
    diagonal_blocks,
    diagonal_product,
    mask_offdiagonal,
    offdiagonal_norm,
    random_blocks,
    to_full,
)
from ..model.process import sample_phases, sequences
from ..model.quartic import QuarticLoss, last_position_tables
from ..model.spectral import SpectralData, single_threaded_blas
from .presets import preset_law

STATS_CHUNK = 1024
QUARTIC_MAX_D = 6        # the quartic engine's K4 has (2d)⁶ entries: 24 MB at d = 6, 134 MB at d = 7
ENGINES = ("auto", "quartic", "spectral", "direct")
BATCHES = 10             # batches of a training set's quartic tables (jackknife replicates)
V = TypeVar("V")


class ScaledTables(Generic[V]):
    """Tables built from a set of sequences, kept for the last four sets and keyed by the draws up to a power-of-two
    scale of ``x_1`` (:func:`table_key`).

    Draws of one seed under laws that differ by a power-of-two scale (Gaussian σ = 1/2, 1, 2; sparse c = 1/2, 1,
    2) have identical phases and ``x_1`` scaled exactly, so one build serves them all: the build runs on
    ``x_1 / scale`` and ``rescale`` maps it to the asked-for data — exact, bit for bit, since every rounding of a
    homogeneous polynomial's build sees its operands scaled by a power of two.
    """

    def __init__(self, build: Callable[[np.ndarray, np.ndarray, int], V], rescale: Callable[[V, float], V],
                 size: int = 4) -> None:
        self._build, self._rescale, self._size = build, rescale, size
        self._tables: dict[bytes, V] = {}

    def get(self, x1: np.ndarray, theta: np.ndarray, T: int) -> V:
        """The tables of the sequences ``(x1, theta)``, from a cached build if one matches.

        Args:
            x1: first tokens ``(m, d)``.
            theta: phases ``(m, d)``.
            T: the sequence length.

        Returns:
            ``rescale(build(x1 / scale, theta, T), scale)``.
        """
        key, scale = table_key(x1, theta, T)
        if key not in self._tables:
            if len(self._tables) >= self._size:
                self._tables.pop(next(iter(self._tables)))
            self._tables[key] = self._build(x1 / scale, theta, T)        # exact: a power of two
        return self._rescale(self._tables[key], scale)


def _batch_tables(x1: np.ndarray, theta: np.ndarray, T: int) -> list[QuarticLoss]:
    """One :class:`~mesatheory.model.quartic.QuarticLoss` per batch (:func:`batches`) of a training set.

    Each training set's tables are built for :data:`BATCHES` disjoint contiguous batches of its sequences (the same
    work as one build), so that the jackknife costs no build (:mod:`mesatheory.reproduce.jackknife`).
    """
    return [QuarticLoss.from_data(x1[sl], theta[sl], T) for sl in batches(len(x1))]


def _test_tables(x1: np.ndarray, theta: np.ndarray, T: int) -> tuple[QuarticLoss, np.ndarray]:
    """The test set's last-position tables (:func:`mesatheory.model.quartic.last_position_tables`)."""
    return last_position_tables(LastPosition.from_sequences(sequences(x1, theta, T)))


def _statistics(x1: np.ndarray, theta: np.ndarray, T: int) -> tuple[np.ndarray, np.ndarray]:
    """``(N, D)`` of :meth:`Dataset.statistics`, in chunks of :data:`STATS_CHUNK` sequences."""
    Ns, Ds = [], []
    for s in range(0, len(x1), STATS_CHUNK):
        X = sequences(x1[s:s + STATS_CHUNK], theta[s:s + STATS_CHUNK], T)
        g, y = unit_predictions(X), targets(X)
        Ns.append(np.einsum("ntj,ntj->nj", g.conj(), y).real)
        Ds.append(np.einsum("ntj,ntj->nj", g.conj(), g).real)
    return np.concatenate(Ns), np.concatenate(Ds)


def _scale_test_tables(tables: tuple[QuarticLoss, np.ndarray], f: float) -> tuple[QuarticLoss, np.ndarray]:
    """``x_1 → f·x_1``: the features ``F ∝ f³``, so the quartic scales as a training loss and ``R ∝ F/x ∝ f²``."""
    return tables[0].scaled(f), tables[1] * f**2


def table_key(x1: np.ndarray, theta: np.ndarray, T: int) -> tuple[bytes, float]:
    """A set of sequences' identity up to a power-of-two scale of ``x_1`` (see :class:`ScaledTables`).

    Args:
        x1: first tokens ``(m, d)``.
        theta: phases ``(m, d)``.
        T: the sequence length.

    Returns:
        ``(key, scale)``: a digest of ``x1 / scale``, ``theta`` and ``T``, and the power of two ``scale``.
    """
    top = float(np.max(np.abs(x1))) if x1.size else 0.0
    scale = float(2.0 ** np.floor(np.log2(top))) if top > 0 else 1.0
    base = x1 / scale
    return hashlib.sha256(base.tobytes() + theta.tobytes() + str((base.shape, T)).encode()).digest(), scale


def batches(m: int) -> list[slice]:
    """The :data:`BATCHES` contiguous batches of ``m`` sequences (fewer when ``m`` is smaller).

    Args:
        m: the number of sequences.

    Returns:
        Non-empty slices covering ``0..m-1`` in order.
    """
    edges = np.linspace(0, m, min(BATCHES, m) + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


# per process: the training sets' batch tables (≈ 90 MB each at d = 5), the test sets' last-position tables
TABLES = ScaledTables(_batch_tables, lambda parts, f: [part.scaled(f) for part in parts])
TEST_TABLES = ScaledTables(_test_tables, _scale_test_tables)
STATISTICS = ScaledTables(_statistics, lambda ND, f: (ND[0] * f**4, ND[1] * f**6))    # g ∝ f³: N ∝ f⁴, D ∝ f⁶


@dataclass(frozen=True)
class RunConfig:
    """One training run. Defaults are the paper's sizes (``d = 5``, ``T = 100``, ``m = m_test = 10 000``, seed 1)."""

    law: str
    lr: float
    epochs: int
    a0: float = paper.A0
    b0: float = paper.B0
    d: int = paper.D
    T: int = paper.T
    m: int = paper.TRAINING_SEQUENCES
    m_test: int = paper.TRAINING_SEQUENCES
    seed: int = paper.TRAINING_SEED
    mask: bool = False
    complex_params: bool = False
    test_loss: bool = False
    jackknife: bool = False
    init_sigma: float = 0.0
    init_seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 0 or self.m < 1 or self.m_test < 1 or self.T < 3 or self.d < 1:
            raise MesatheoryError(f"invalid run configuration {self}")
        if not self.lr > 0:
            raise MesatheoryError(f"the learning rate must be positive, got {self.lr}")


@dataclass
class TrainLog:
    """Per-epoch series (``epochs + 1`` values each)."""

    ab: np.ndarray
    offdiag: np.ndarray
    train_loss: np.ndarray
    test_ratio: np.ndarray
    test_mse_last: np.ndarray
    test_loss: np.ndarray
    imag_norm: np.ndarray

    def as_dict(self) -> dict[str, list[float]]:
        """The series as plain lists.

        Returns:
            ``{series name: values}`` (the ``log`` of a run in ``data.json``).
        """
        return {k: [float(x) for x in v] for k, v in asdict(self).items()}


@dataclass
class TrainResult:
    """A finished run: its config, the log, the final active blocks and full matrices, timing, statistics.

    ``N``, ``D`` (``(m, d)``) are the training set's per-sequence, per-coordinate loss statistics on the diagonal
    (:meth:`Dataset.statistics`), for the run's statistical error (:mod:`mesatheory.theory.gd_curve`).
    ``engine`` is the engine used (:func:`pick_engine`), ``setup_seconds`` the time to build its tables;
    ``jackknife_se`` the jackknife SE of the final ``ab`` when the configuration asks for it
    (:func:`mesatheory.reproduce.jackknife.jackknife_se`, attached by :mod:`mesatheory.reproduce.scheduling`).
    """

    config: RunConfig
    log: TrainLog
    P: np.ndarray
    Q: np.ndarray
    seconds: float
    seconds_per_epoch: float
    N: np.ndarray = field(repr=False)
    D: np.ndarray = field(repr=False)
    engine: str = "spectral"
    setup_seconds: float = 0.0
    jackknife_se: float = float("nan")

    @property
    def WKQ(self) -> np.ndarray:
        """The trained ``W^{KQ}`` (``3d × 3d``)."""
        return to_full(self.P, self.Q)[0]

    @property
    def WPV(self) -> np.ndarray:
        """The trained ``W^{PV}`` (``3d × 3d``)."""
        return to_full(self.P, self.Q)[1]


@dataclass
class Dataset:
    """Training and test draws of one run (``x_1`` and phases), with the derived engines."""

    x1: np.ndarray
    theta: np.ndarray
    x1_test: np.ndarray
    theta_test: np.ndarray
    T: int

    @classmethod
    def draw(cls, law: Law, d: int, T: int, m: int, m_test: int, seed: int) -> Dataset:
        """Draw a run's sequences in the order of the module docstring.

        Args:
            law: the law of ``x_1``.
            d: the dimension.
            T: the sequence length.
            m: the number of training sequences.
            m_test: the number of test sequences.
            seed: the seed of ``numpy.random.default_rng``.

        Returns:
            The training and test draws.
        """
        rng = np.random.default_rng(seed)
        x1 = law.sample(rng, m, d)
        theta = sample_phases(rng, m, d)
        x1_test = law.sample(rng, m_test, d)
        theta_test = sample_phases(rng, m_test, d)
        return cls(x1, theta, x1_test, theta_test, T)

    _cache: dict = field(default_factory=dict, repr=False)

    def train_sequences(self) -> np.ndarray:
        """The training sequences.

        Returns:
            ``X`` of shape ``(m, T, d)`` (see :func:`mesatheory.model.process.sequences`).
        """
        return sequences(self.x1, self.theta, self.T)

    def spectral(self) -> SpectralData:
        """The fast training engine (built once per dataset).

        Returns:
            The engine over the training sequences.
        """
        if "spectral" not in self._cache:
            self._cache["spectral"] = SpectralData(self.x1, self.theta, self.T)
        return self._cache["spectral"]

    def test_spectral(self) -> SpectralData:
        """The engine for the full test loss (built once per dataset).

        Returns:
            The engine over the test sequences.
        """
        if "test_spectral" not in self._cache:
            self._cache["test_spectral"] = SpectralData(self.x1_test, self.theta_test, self.T)
        return self._cache["test_spectral"]

    def quartic_parts(self) -> tuple[list[QuarticLoss], np.ndarray]:
        """The quartic losses of the training set's batches (:func:`batches`; built once, shared via :data:`TABLES`).

        Returns:
            The batches' losses (each the mean over its sequences) and the batches' sizes.
        """
        if "quartic_parts" not in self._cache:
            sizes = np.array([sl.stop - sl.start for sl in batches(len(self.x1))], dtype=np.float64)
            self._cache["quartic_parts"] = (TABLES.get(self.x1, self.theta, self.T), sizes)
        return self._cache["quartic_parts"]

    def quartic(self) -> QuarticLoss:
        """The training loss as a quartic (:mod:`mesatheory.model.quartic`): the size-weighted mean of the batches.

        Returns:
            The quartic loss of the training sequences.
        """
        if "quartic" not in self._cache:
            parts, sizes = self.quartic_parts()
            self._cache["quartic"] = QuarticLoss.combine(parts, sizes / sizes.sum())
        return self._cache["quartic"]

    def last_position_tables(self) -> tuple[QuarticLoss, np.ndarray]:
        """The test metrics as quartic tables (:func:`mesatheory.model.quartic.last_position_tables`; built once,
        shared via :data:`TEST_TABLES`).

        Returns:
            The mean-squared-error quartic and the ratio table.
        """
        if "last_tables" not in self._cache:
            self._cache["last_tables"] = TEST_TABLES.get(self.x1_test, self.theta_test, self.T)
        return self._cache["last_tables"]

    def last_position(self) -> LastPosition:
        """``S_{T-1}``, ``z_{T-1}``, ``x_T`` of the test sequences (built once per dataset).

        Returns:
            What the test metrics at the last position need.
        """
        if "last" not in self._cache:
            self._cache["last"] = LastPosition.from_sequences(sequences(self.x1_test, self.theta_test, self.T))
        return self._cache["last"]

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        """The training set's loss statistics per sequence and output coordinate (computed once, shared via
        :data:`STATISTICS`).

        ``N_{n,j} = Σ_t Re(ḡ_{t,j} x_{t+1,j})`` and ``D_{n,j} = Σ_t |g_{t,j}|²``, with the diagonal model's unit
        prediction ``g_t`` (:func:`mesatheory.model.diagonal.unit_predictions`); summing over ``j`` gives
        :func:`mesatheory.model.diagonal.loss_statistics`.

        Returns:
            ``(N, D)``, shape ``(m, d)`` each.
        """
        if "stats" not in self._cache:
            self._cache["stats"] = STATISTICS.get(self.x1, self.theta, self.T)
        return self._cache["stats"]


def _quartic_test_metrics(tables: tuple[QuarticLoss, np.ndarray], P: np.ndarray, Q: np.ndarray
                          ) -> tuple[float, float]:
    mse, R = tables
    c = (P[:, :, None] * Q.ravel()[None, None, :]).reshape(P.shape[0], -1)
    return float(np.sum(c * R)), 2.0 * mse.loss(P, Q) / P.shape[0]


def _test_metrics(last: LastPosition, P: np.ndarray, Q: np.ndarray) -> tuple[float, float]:
    yhat = last.predict(P, Q)
    x = last.target
    nz = x != 0
    ratio = float(np.mean((yhat[nz] / x[nz]).real)) if nz.any() else float("nan")
    mse = float(np.mean(np.abs(yhat - x) ** 2))
    return ratio, mse


def initial_blocks(config: RunConfig, complex_params: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The run's start: the diagonal ``(a_0 I, b_0 I)``, or with ``init_sigma > 0`` every entry ``σ_w · N(0, 1)``
    (:func:`mesatheory.model.parameters.random_blocks`, seed ``init_seed``; ``a_0, b_0`` unused).

    Args:
        config: the run.
        complex_params: complex128 blocks.

    Returns:
        ``(P, Q)``.
    """
    if config.init_sigma > 0:
        return random_blocks(config.d, config.init_sigma, config.init_seed, complex_params)
    return diagonal_blocks(config.d, config.a0, config.b0, complex_params)


def init_label(config: RunConfig) -> str:
    """``(a0, b0)``, or ``random σ_w = …, seed …`` for a random start.

    Args:
        config: the run.

    Returns:
        The label.
    """
    if config.init_sigma > 0:
        return f"random σ_w = {config.init_sigma:g}, seed {config.init_seed}"
    return f"({config.a0:g}, {config.b0:g})"


def gd_step(P: np.ndarray, Q: np.ndarray, gP: np.ndarray, gQ: np.ndarray, config: RunConfig, epoch: int,
            what: str) -> None:
    """One gradient step in place, ``θ ← θ - η g``, then the mask (the official ``--clip``) if ``config`` asks.

    Args:
        P: the active block of ``W^{PV}`` (modified).
        Q: the active block of ``W^{KQ}`` (modified).
        gP: the gradient with respect to ``P``.
        gQ: the gradient with respect to ``Q``.
        config: the run (learning rate, mask).
        epoch: the step's index, for the error message.
        what: what is descending, for the error message.

    Raises:
        DivergenceError: the parameters became non-finite.
    """
    P -= config.lr * gP
    Q -= config.lr * gQ
    if config.mask:
        mask_offdiagonal(P, Q)
    if not (np.all(np.isfinite(P)) and np.all(np.isfinite(Q))):
        raise DivergenceError(f"{what} diverged at epoch {epoch + 1} (learning rate {config.lr} too large?)")


def pick_engine(config: RunConfig, engine: str = "auto") -> str:
    """The engine a run uses: ``"auto"`` is the quartic one for real parameters and ``d ≤`` :data:`QUARTIC_MAX_D`,
    else the spectral one.

    Args:
        config: the run.
        engine: one of :data:`ENGINES`.

    Returns:
        ``"quartic"``, ``"spectral"`` or ``"direct"``.

    Raises:
        MesatheoryError: an unknown engine, or the quartic engine asked for complex parameters.
    """
    if engine not in ENGINES:
        raise MesatheoryError(f"unknown engine '{engine}' (accepted: {', '.join(ENGINES)})")
    if engine == "auto":
        return "quartic" if not config.complex_params and config.d <= QUARTIC_MAX_D else "spectral"
    if engine == "quartic" and config.complex_params:
        raise MesatheoryError("the quartic engine takes real parameters (use spectral for complex ones)")
    return engine


def train(config: RunConfig, progress: Progress | None = None, engine: str = "auto",
          data: Dataset | None = None, threads: int = 1) -> TrainResult:
    """Run full-batch gradient descent with one of the engines of :func:`pick_engine`.

    The engines compute the same loss and gradient (the tests check them against each other): ``"quartic"``
    (tables built once per dataset, then ``O((2d)⁶)`` per epoch), ``"spectral"`` (``O(m T d²)`` per epoch, any
    ``d``, complex parameters) and ``"direct"`` (prefix sums).

    Args:
        config: the run.
        progress: if given, called as ``progress(message, fraction)`` after every epoch.
        engine: ``"auto"``, ``"quartic"``, ``"spectral"`` or ``"direct"``.
        data: draws to reuse (e.g. one dataset for the three initialisations of a figure); they must match
            ``config``'s law, sizes and seed (default: drawn here).
        threads: threads sharing each epoch of the spectral engine (an execution detail: the numbers do not
            depend on it).

    Returns:
        The run's log, final blocks, timing and the training set's statistics.

    Raises:
        LawError: ``config.law`` is not a valid law spec.
        MesatheoryError: ``data`` does not match ``config``, or ``engine`` is unknown.
        DivergenceError: the parameters became non-finite.
    """
    law = preset_law(config.law)
    d, T = config.d, config.T
    if data is None:
        data = Dataset.draw(law, d, T, config.m, config.m_test, config.seed)
    elif (data.x1.shape != (config.m, d) or data.x1_test.shape != (config.m_test, d) or data.T != T):
        raise MesatheoryError("the dataset does not match the run configuration (m, m_test, d, T)")
    engine = pick_engine(config, engine)
    setup = time.perf_counter()
    metrics: Callable = lambda P, Q: _test_metrics(data.last_position(), P, Q)
    if engine == "quartic":
        quartic, tables = data.quartic(), data.last_position_tables()
        step: Callable = lambda P, Q, g=True: quartic.loss_and_grad(P, Q, want_grad=g)
        metrics = lambda P, Q: _quartic_test_metrics(tables, P, Q)
    elif engine == "spectral":
        spec = data.spectral()
        step = lambda P, Q, g=True: spec.loss_and_grad(P, Q, workers=threads, want_grad=g)
    else:
        X = data.train_sequences()
        step = lambda P, Q, g=True: loss_and_grad_direct(P, Q, X)
    test_engine = data.test_spectral() if config.test_loss else None
    setup_seconds = time.perf_counter() - setup

    P, Q = initial_blocks(config, config.complex_params)
    E = config.epochs
    cols = {k: np.full(E + 1, np.nan) for k in
            ("ab", "offdiag", "train_loss", "test_ratio", "test_mse_last", "test_loss", "imag_norm")}

    def record(e: int, loss: float) -> None:
        cols["ab"][e] = diagonal_product(P, Q)
        cols["offdiag"][e] = offdiagonal_norm(P, Q)
        cols["train_loss"][e] = loss
        cols["test_ratio"][e], cols["test_mse_last"][e] = metrics(P, Q)
        cols["imag_norm"][e] = float(np.sqrt(np.sum(P.imag**2) + np.sum(Q.imag**2)))
        if test_engine is not None:
            cols["test_loss"][e] = test_engine.loss_and_grad(P, Q, workers=threads, want_grad=False)[0]

    start = time.perf_counter()
    with single_threaded_blas(), np.errstate(over="ignore", invalid="ignore"):   # divergence is checked below
        for e in range(E):
            loss, gP, gQ = step(P, Q)
            record(e, loss)
            gd_step(P, Q, gP, gQ, config, e, "training")
            if progress is not None:
                progress(f"{config.law} {init_label(config)}{' masked' if config.mask else ''}: "
                         f"epoch {e + 1}/{E}", (e + 1) / E)
        record(E, step(P, Q, False)[0])
        seconds = time.perf_counter() - start
    N, D = data.statistics()
    return TrainResult(config=config, log=TrainLog(**cols), P=P, Q=Q, seconds=seconds,
                       seconds_per_epoch=seconds / max(E, 1), N=N, D=D, engine=engine,
                       setup_seconds=setup_seconds)
