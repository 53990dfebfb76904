"""The ``mesatheory`` command line: ``verify``, ``derive``, ``reproduce``, ``check`` and ``laws``.

Exit status: 0 when every decided claim holds, 1 when one fails, 2 for a usage or input error (one line on
stderr, never a traceback), 3 when no claim of the paper applies to the setting, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from . import paper, validate
from .errors import InputError, MesatheoryError, UsageError

EXIT_PASSED = 0      # every decided claim holds
EXIT_FAILED = 1      # a claim (or a precondition check) failed
EXIT_USAGE = 2       # a usage or input error (one line on stderr)
EXIT_UNDECIDED = 3   # no claim of the paper applies to the setting
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Raise a one-line usage error instead of printing the usage and exiting.

        Args:
            message: argparse's message.

        Raises:
            UsageError: always.
        """
        raise UsageError(f"{self.prog}: error: {message}")


_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)


def _bounded_int(name: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text) if _INTEGER.fullmatch(text.strip()) else None
        if value is None:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number from {low} to {high}, got '{text[:40]}'")
        try:
            return validate.whole(name, value, low, high)
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def _finite_float(name: str, bound: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = float(text) if _DECIMAL.fullmatch(text.strip()) else math.nan
        try:
            return validate.real(name, value, bound)
        except InputError:
            raise argparse.ArgumentTypeError(f"{name} must be a finite number with |{name}| ≤ {bound:g}, "
                                             f"got '{text[:40]}'") from None
    return parse


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser: sub-commands ``verify``, ``derive``, ``reproduce`` and ``laws``.

    Returns:
        The parser; each sub-command sets ``args.run``, the function that runs it and returns the exit status.
    """
    parser = _Parser(prog="mesatheory", description=(
        "Verify the theory of 'On Mesa-Optimization in Autoregressively Trained Transformers' "
        "(Zheng et al., NeurIPS 2024) on your own numbers."))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("verify", help="check every claim of the paper for one law of x1")
    v.add_argument("--dist", default="gaussian", metavar="LAW",
                   help="law spec, e.g. gaussian, gaussian:sigma=2, student_t:nu=8 (see 'mesatheory laws')")
    v.add_argument("--d", type=_bounded_int("--d", 1, paper.CLI_MAX_D), default=paper.D,
                   help="dimension (default %(default)s)")
    v.add_argument("--T", type=_bounded_int("--T", 3, paper.CLI_MAX_T), default=paper.T,
                   help="sequence length (default %(default)s)")
    v.add_argument("--a0", type=_finite_float("--a0", paper.INIT_BOUND), default=paper.A0,
                   help="initial a (default %(default)s)")
    v.add_argument("--b0", type=_finite_float("--b0", paper.INIT_BOUND), default=paper.B0,
                   help="initial b (default %(default)s)")
    v.add_argument("--samples", type=_bounded_int("--samples", paper.MIN_SAMPLES, paper.MAX_SAMPLES),
                   default=paper.VERIFY_SAMPLES,
                   help="Monte-Carlo sequences (default %(default)s)")
    v.add_argument("--seed", type=_bounded_int("--seed", 0, 2**63 - 1), default=paper.VERIFY_SEED,
                   help="random seed (default %(default)s)")
    v.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    v.add_argument("--symbolic", action="store_true",
                   help="also the κ's, ã·b̃(T, d), its limit, limit loss and recovery in the family's parameters, "
                        "with their values here (SymPy, 0.3–8 s)")
    v.set_defaults(run=_run_verify)

    d = sub.add_parser("derive", help="write the SymPy derivation reports (Markdown + JSON)")
    d.add_argument("--dist", metavar="LAW", action="append",
                   help="law spec (repeatable; default: the general derivation and every built-in law)")
    d.add_argument("--out", default="derivations", metavar="DIR", help="output folder (default %(default)s)")
    d.set_defaults(run=_run_derive)

    r = sub.add_parser("reproduce", help="re-run the paper's simulations: plots, data, summary table")
    r.add_argument("figures", nargs="*", metavar="FIGURE", help="figure names, or 'all' (see --list)")
    r.add_argument("--list", action="store_true", help="list the figures and exit")
    r.add_argument("--out", default="reproduction", metavar="DIR", help="output folder (default %(default)s)")
    r.add_argument("--quick", action="store_true", help="smaller m and epochs (what CI runs)")
    r.add_argument("--official", action="store_true",
                   help="complex parameters, as the official code trains them (slower: spectral engine)")
    r.set_defaults(run=_run_reproduce)

    c = sub.add_parser("check", help="run a suite of verify runs in parallel: summary, JSON and JUnit XML")
    c.add_argument("suite", metavar="SUITE.toml", help="the suite file (e.g. checks/paper-claims.toml)")
    c.add_argument("--out", default="check-results", metavar="DIR", help="output folder (default %(default)s)")
    c.add_argument("--quick", action="store_true", help="the suite's quick sizes (what CI runs)")
    c.add_argument("--jobs", type=_bounded_int("--jobs", 1, 1024), default=None,
                   help="worker processes on this machine (default: one per core)")
    c.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on the Dask distributed scheduler at ADDRESS (e.g. tcp://host:8786) instead")
    c.set_defaults(run=_run_check)

    laws = sub.add_parser("laws", help="list the built-in laws with their exact moments")
    laws.add_argument("--d", type=_bounded_int("--d", 1, paper.CLI_MAX_D), default=paper.D,
                      help="dimension (default %(default)s)")
    laws.add_argument("--symbolic", action="store_true",
                      help="also the κ's, ã·b̃(T, d), its limit and recovery in each family's parameters (≈ 20 s)")
    laws.set_defaults(run=_run_laws)
    return parser


def _progress(enabled: bool) -> Callable[[str], None] | None:
    if not enabled:
        return None
    return lambda name: print(f"  checking {name} …", file=sys.stderr, flush=True)


def _run_verify(args: argparse.Namespace) -> int:
    from .laws import get_law
    from .table import render
    from .verify import verify

    law = get_law(args.dist)
    result = verify(law, d=args.d, T=args.T, seed=args.seed, a0=args.a0, b0=args.b0, samples=args.samples,
                    progress=_progress(not args.json and sys.stderr.isatty()), symbolic=args.symbolic)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(render(result))
        if args.symbolic:
            from .derive.symbolic_law import symbolic_text
            print("\n" + symbolic_text(result.symbolic, args.d, args.T))
    return EXIT_FAILED if not result.passed else EXIT_PASSED if result.decided else EXIT_UNDECIDED


def _run_derive(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .derive.report import write_reports
    from .laws import get_law
    from .progress import fraction_bar

    if not args.out.strip():
        raise UsageError("mesatheory derive: error: --out must name a folder, got ''")
    laws = [get_law(spec) for spec in args.dist] if args.dist else None
    with fraction_bar("derive") as progress:
        written = write_reports(Path(args.out), laws, progress)
    print(f"wrote {len(written)} files to {args.out}/: " + ", ".join(p.name for p in written))
    return 0


def _run_reproduce(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from .progress import fraction_bar
    from .reproduce import list_figures, run

    figures = list_figures()
    if args.list:
        width = max(len(name) for name, _ in figures)
        for name, description in figures:
            print(f"{name.ljust(width)}  {description}")
        return 0
    if not args.figures:
        raise UsageError("mesatheory reproduce: error: name a figure or 'all' (see --list)")
    known = [name for name, _ in figures]
    unknown = [f for f in args.figures if f not in known and f != "all"]
    if unknown or ("all" in args.figures and len(args.figures) > 1):
        raise UsageError(f"mesatheory reproduce: error: unknown figure {', '.join(unknown) or 'all with others'} "
                         f"(accepted: all, {', '.join(known)})")
    if not args.out.strip():
        raise UsageError("mesatheory reproduce: error: --out must name a folder, got ''")
    with fraction_bar("reproduce") as progress:
        summary = run(args.figures, Path(args.out), quick=args.quick, progress=progress, official=args.official)
    print(summary.read_text())
    passed = json.loads(summary.with_name("summary.json").read_text())["passed"]
    return EXIT_PASSED if passed else EXIT_FAILED


def _run_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .suite import load_suite, run_suite, write_outputs
    from .suite.report import summary

    if not args.out.strip():
        raise UsageError("mesatheory check: error: --out must name a folder, got ''")
    result = run_suite(load_suite(args.suite, args.quick), n_jobs=args.jobs, scheduler=args.scheduler)
    write_outputs(result, Path(args.out))
    print(summary(result))
    return EXIT_FAILED if not result.passed else EXIT_PASSED if result.decided else EXIT_UNDECIDED


def _run_laws(args: argparse.Namespace) -> int:
    from .laws import FAMILIES, decide_assumption2, kappas

    header = ["law (defaults)", "m2", "κ1", "κ2", "κ3", "Assumption 2", "description"]
    rows = []
    for family in FAMILIES.values():
        law = family.make()
        k = kappas(law, args.d)
        decision = decide_assumption2(law, args.d)
        rows.append([law.spec, str(k.m2), str(k.k1), str(k.k2), str(k.k3),
                     "holds" if decision.holds else f"violated ({decision.reason.split(';')[0]})", family.summary])
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    print(f"built-in laws of x1 at d = {args.d} (exact moments; parameters as name:key=value,...)")
    for row in [header, ["─" * w for w in widths]] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    _print_per_coordinate_laws(args.d)
    if args.symbolic:
        _print_symbolic_laws(args.d)
    return 0


def _print_per_coordinate_laws(d: int) -> None:
    """The per-coordinate fixed points (:mod:`mesatheory.theory.per_coordinate`) of the non-exchangeable families."""
    from .laws import FAMILIES
    from .theory.per_coordinate import MAX_D, CoordinateMoments, fixed_point

    lines = []
    for family in FAMILIES.values():
        law = family.make()
        moments = None if law.iid or not 2 <= d <= MAX_D else CoordinateMoments.from_law(law, d)
        if moments is not None and not moments.exchangeable:
            fp = fixed_point(moments, paper.T, paper.A0, paper.B0)
            lines.append(f"  {law.spec}: c_j = ({', '.join(f'{c:.6g}' for c in fp.c)})")
    if d > MAX_D:
        lines.append(f"  not solved: the per-coordinate fixed points are offered for d ≤ {MAX_D}")
    if lines:
        print(f"\nnon-exchangeable: per-coordinate fixed points c_j = ã_j b̃_j at d = {d}, T = {paper.T} "
              "(trained map diag(b̃) Ĝ_t diag(ã); mesatheory verify checks them: theorem1.per_coordinate)")
        print("\n".join(lines))


def _print_symbolic_laws(d: int) -> None:
    """The families' results in their own parameters (:mod:`mesatheory.derive.symbolic_law`), one block each."""
    from .derive.symbolic_law import derive_symbolic
    from .laws import FAMILIES

    print(f"\nin each family's own parameters (d symbolic for i.i.d. families, else d = {d}; H = H_(T-2)):")
    for family in FAMILIES.values():
        r = derive_symbolic(family.make(), d)
        holds, reason = r.assumption2
        print(f"  {family.name}" + (f" ({', '.join(map(str, r.conditions))})" if r.conditions else ""))
        for name, value in [*r.kappas.items(), ("ã·b̃(T, d)", r.product), ("lim T→∞", r.limit),
                            ("limit loss", r.limit_loss)]:
            if value is not None:
                print(f"    {name:11s} {str(value).replace('harmonic(T - 2)', 'H')}")
        print(f"    {'Assumption 2':11s} {'holds' if holds else 'violated'} ({reason}); recovery: "
              f"{r.recovery or 'n/a'}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Errors of the package (:class:`~mesatheory.errors.MesatheoryError`) are printed as one line on stderr.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 when every applicable claim holds, 1 when one fails, 2 for a usage or input error,
        130 on Ctrl-C.
    """
    try:
        args = build_parser().parse_args(argv)
        return int(args.run(args))
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except MesatheoryError as exc:
        print(f"mesatheory: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("mesatheory: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def run() -> NoReturn:
    """The ``mesatheory`` command: :func:`main`, then end the process with its status.

    The process ends by ``os._exit`` once the output is flushed: by then every file is written and closed and every
    worker joined, and the interpreter's own teardown (freeing SymPy's caches and the modules) is only delay —
    measured 0.3 s of a 4–5 s ``verify``. It also makes a Ctrl-C end with status 130 every time: a normal exit
    after a caught ``KeyboardInterrupt`` sometimes still ended "killed by SIGINT" (status −2; 2 of 10 interrupts of
    ``reproduce sparse_c1 --quick`` at 1.5 s, while the worker pool started), and 0 of 12 with this exit.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError):   # the reader went away (``| head``): nothing left to deliver
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
