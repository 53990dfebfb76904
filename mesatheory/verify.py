"""Run every claim of the paper for one law and collect the verdicts."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from . import paper, validate
from ._io import to_json
from .claims import CLAIMS, PRECONDITIONS, SECOND_CORE
from .claims.base import Setting, Verdict
from .laws import Law, get_law
from .model.spectral import single_threaded_blas
from .schema import VERIFY_RESULT


@dataclass(frozen=True)
class VerifyResult:
    """The verdicts of one ``verify`` run; ``to_dict()`` is the CLI's ``--json`` object."""

    setting: Setting
    claims: list[Verdict]
    symbolic: dict[str, Any] | None = None
    asked_symbolic: bool = False
    """The symbolic block of ``verify --symbolic`` (:func:`mesatheory.derive.symbolic_law.symbolic_block`): absent
    (``None``) unless asked for and the law is a built-in family."""

    @property
    def passed(self) -> bool:
        """``True`` when no applicable claim (or precondition check) failed."""
        return all(v.passed is not False for v in self.claims)

    @property
    def decided(self) -> list[Verdict]:
        """The claims of the paper that were decided (``passed`` is not ``None``), preconditions left out."""
        return [v for v in self.claims if v.passed is not None and v.id not in PRECONDITIONS]

    def _repr_html_(self) -> str:
        """The verdict table in HTML, for notebooks (:func:`mesatheory.display.verify_html`)."""
        from .display import verify_html
        return verify_html(self)

    def _repr_markdown_(self) -> str:
        """The verdict table in Markdown (:func:`mesatheory.display.verify_markdown`)."""
        from .display import verify_markdown
        return verify_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        """The result as strict JSON data.

        Returns:
            ``{"schema", "law", "d", "T", "seed", "a0", "b0", "samples", "kappa", "claims", "passed", "decided"}``:
            the schema's name and version (:data:`mesatheory.schema.VERIFY_RESULT`, shipped as
            ``mesatheory/schema/verify-result.v1.json``), the law and its parameters, the sizes, the exact κ's (as
            floats and as exact strings), every verdict (:meth:`~mesatheory.claims.base.Verdict.to_dict`),
            :attr:`passed`, the number of decided claims, and the symbolic block (:attr:`symbolic`; ``null`` for a
            law that is not a built-in family).
        """
        s = self.setting
        k = s.kappas
        extra = {} if not self.asked_symbolic else {"symbolic": self.symbolic}
        return to_json({
            "schema": VERIFY_RESULT,
            "law": {"name": s.law.name, "params": {key: str(v) for key, v in s.law.params.items()}},
            "d": s.d, "T": s.T, "seed": s.seed, "a0": s.a0, "b0": s.b0, "samples": s.samples,
            "kappa": {**{name: float(v) for name, v in k.items()},
                      "exact": {name: str(v) for name, v in k.items()}},
            "claims": [v.to_dict() for v in self.claims],
            "passed": self.passed,
            "decided": len(self.decided),
            **extra,
        })


def _second_core_worker(setting: Setting, indices: list[int], out: Connection) -> None:  # pragma: no cover - child
    """Child process: send the verdicts of the claims ``indices`` through ``out``.

    The setting is inherited by ``fork``, not pickled (laws hold closures).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the parent's: it terminates this process
    try:
        with single_threaded_blas():
            out.send([CLAIMS[i](setting) for i in indices])
    finally:
        out.close()


def _run_claims(setting: Setting, progress: Callable[[str], None] | None) -> list[Verdict]:
    """Every claim's verdict, in ``CLAIMS`` order; those of ``SECOND_CORE`` in a forked process on Linux with two
    or more cores (not from a daemonic process, which may not have children).

    Each claim is a deterministic function of the setting, so where it runs does not change a number. The child
    is stopped when the parent is interrupted or fails. With two processes each uses one BLAS thread (two
    threaded BLAS pools on two cores contend: measured 0.4 s slower).
    """
    second = [i for i, check in enumerate(CLAIMS) if check in SECOND_CORE]
    verdicts: dict[int, Verdict] = {}
    child = receiver = None
    # a daemonic process (a Dask worker) may not start children: there every claim runs in this process; fork only
    # on Linux (macOS's system libraries are not safe in a forked child: Python's own default there is spawn)
    if (sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1
            and not multiprocessing.current_process().daemon):
        ctx = multiprocessing.get_context("fork")
        receiver, sender = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_second_core_worker, args=(setting, second, sender), daemon=True)
        child.start()
        sender.close()
    try:
        with single_threaded_blas() if child is not None else nullcontext():
            for i, check in enumerate(CLAIMS):
                if child is not None and i in second:
                    continue
                if progress is not None:
                    progress(check.__name__.removeprefix("check_"))
                verdicts[i] = check(setting)
        if child is not None and receiver is not None:
            try:
                verdicts.update(zip(second, receiver.recv()))
            except EOFError:
                raise RuntimeError(f"the second core's process ended with status {child.exitcode}") from None
    finally:
        if child is not None:
            if child.is_alive():
                child.terminate()
            child.join()
    return [verdicts[i] for i in range(len(CLAIMS))]


def verify(law: Law | str, d: int = paper.D, T: int = paper.T, seed: int = paper.VERIFY_SEED,
           a0: float = paper.A0, b0: float = paper.B0, samples: int = paper.VERIFY_SAMPLES,
           progress: Callable[[str], None] | None = None, symbolic: bool = False) -> VerifyResult:
    """Check every claim of the paper for one law of ``x_1``.

    Args:
        law: a :class:`~mesatheory.laws.Law` or a spec like ``"gaussian:sigma=2"``.
        d: the dimension of ``x_1`` (the paper's 5).
        T: the sequence length (the paper's 100).
        seed: the seed of the Monte-Carlo draws.
        a0: the initial ``a`` of the diagonal initialisation (Assumption 1).
        b0: the initial ``b``.
        samples: the number of Monte-Carlo sequences.
        progress: if given, called with each claim's name before it runs (the ``SECOND_CORE`` claims run in a second
            process and are not announced).
        symbolic: also derive the law's results in its family's parameters (κ's, ``c*(T, d)``, its limit, the limit
            loss, recovery) with their values at this law, ``d`` and ``T`` (SymPy; 0.3–8 s).

    Returns:
        The verdict of every claim, in the order of :data:`mesatheory.claims.CLAIMS`.

    Raises:
        LawError: ``law`` is a spec that names no built-in law, or has a bad parameter, or numbers float64 cannot
            carry.
        InputError: an argument of the wrong type or outside its range (:mod:`mesatheory.validate`).
    """
    d, T, seed, a0, b0, samples = validate.setting(d, T, seed, a0, b0, samples)
    setting = Setting(law=get_law(law), d=d, T=T, a0=a0, b0=b0, samples=samples, seed=seed)
    setting.check()
    claims = _run_claims(setting, progress)
    if not symbolic:
        return VerifyResult(setting, claims)
    from .derive.symbolic_law import symbolic_block
    return VerifyResult(setting, claims, symbolic_block(setting.law, d, T), asked_symbolic=True)
