"""Benchmark: `verify` on continuous user laws without a SciPy twin, as a ratio to a built-in law, in one run.

Run:  python benchmarks/bench_user_laws.py [--repeats 1] [--large]

Goal (issue 12): `mesatheory.verify(law_from_sympy(...))` on the Wigner semicircle, a centred Beta(2, 2) and a
triangular law takes at most 2× the time of the built-in `uniform` law at d = 2, T = 8, and (``--large``) at most
2× the time of `gaussian` at the paper's d = 5, T = 100. Each timing is a fresh process (imports and the one-off
build of the law's sampler included); the ratio is of medians taken in the same run, so it does not depend on how
busy the machine is.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

USER_LAWS = {
    "semicircle": "st.WignerSemicircle('w', 1)",
    "beta(2,2) - 1/2": "st.Beta('b', 2, 2) - sp.Rational(1, 2)",
    "triangular(-1, 1, 0)": "st.Triangular('t', -1, 1, 0)",
}
SCRIPT = ("import sys, sympy as sp, sympy.stats as st; from mesatheory import verify; "
          "from mesatheory.laws import law_from_sympy, get_law; "
          "law = {law}; r = verify(law, d={d}, T={T}); "
          "sys.exit(0 if r.passed else 1)")


def _time(law: str, d: int, T: int) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(law=law, d=d, T=T)], capture_output=True, text=True,
                          check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{law} failed: {done.stderr.strip().splitlines()[-1]}")
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--large", action="store_true", help="also d = 5, T = 100 against gaussian")
    args = parser.parse_args()
    sizes = [(2, 8, "uniform")] + ([(5, 100, "gaussian")] if args.large else [])
    for d, T, builtin in sizes:
        reference = statistics.median(_time(f"get_law('{builtin}')", d, T)[0] for _ in range(args.repeats))
        print(f"d = {d}, T = {T}: built-in {builtin} {reference:.2f} s")
        for name, expr in USER_LAWS.items():
            runs = [_time(f"law_from_sympy({expr})", d, T) for _ in range(args.repeats)]
            seconds = statistics.median(t for t, _ in runs)
            status = "all claims pass" if all(rc == 0 for _, rc in runs) else "a claim failed"
            print(f"  {name}: {seconds:.2f} s = {seconds / reference:.2f}× {builtin} (goal ≤ 2×); {status}")


if __name__ == "__main__":
    main()
