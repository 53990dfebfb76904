"""A suite's reports: the summary table (text), ``results.json`` and ``junit.xml``, written all or nothing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from .._io import staged_folder, write_text
from .result import SuiteResult

WORDS = {True: "PASS", False: "FAIL", None: "n/a"}


def summary(result: SuiteResult) -> str:
    """The summary table: one row per job (its counts and verdict), then each failure, then the totals.

    Args:
        result: the suite's outcome.

    Returns:
        The text, ending with one line of totals.
    """
    header = ["job", "pass", "fail", "n/a", "verdict"]
    rows = []
    for o in result.outcomes:
        verdicts = [c["passed"] for c in o.claims]
        word = ("ERROR" if o.error else "FAIL" if False in verdicts else "PASS" if True in verdicts else "n/a")
        rows.append([o.job.label, str(verdicts.count(True)), str(verdicts.count(False)),
                     str(sum(v is None for v in verdicts)), word])
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    lines = [f"mesatheory check — suite {result.suite.name}, {len(result.outcomes)} jobs", ""]
    for row in [header, ["─" * w for w in widths]] + rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    problems = [f"  {o.job.label}: {c['id']}: expected {c['expected']}, measured {c['measured']}, tolerance "
                f"{c['tolerance']}" for o, c in result.cases() if c["passed"] is False]
    problems += [f"  {o.job.label}: error: {o.error}" for o in result.outcomes if o.error]
    if problems:
        lines += ["", *problems]
    t = result.totals
    lines += ["", f"{'PASSED' if result.passed else 'FAILED'}: {t['passed']} claims hold, {t['failed']} fail, "
              f"{t['not_applicable']} not applicable, {t['errors']} job errors ({result.decided} claims decided)"]
    return "\n".join(lines)


def junit_xml(result: SuiteResult) -> str:
    """The JUnit XML report: a ``<testsuite>`` per job, a ``<testcase>`` per reported claim.

    A failed claim has a ``<failure>`` (expected, measured, tolerance, reason), a claim that does not apply is
    ``<skipped>`` (its reason), and a job the package refused is one ``<testcase name="verify">`` with an
    ``<error>``.

    Args:
        result: the suite's outcome.

    Returns:
        The XML document as text.
    """
    t = result.totals
    root = ET.Element("testsuites", name=result.suite.name, tests=str(t["passed"] + t["failed"] + t["not_applicable"]
                                                                    + t["errors"]),
                      failures=str(t["failed"]), errors=str(t["errors"]), skipped=str(t["not_applicable"]),
                      time=f"{sum(o.seconds for o in result.outcomes):.3f}")
    for o in result.outcomes:
        claims = o.claims
        verdicts = [c["passed"] for c in claims]
        suite = ET.SubElement(root, "testsuite", name=o.job.label, tests=str(len(claims) or 1),
                              failures=str(verdicts.count(False)), errors=str(int(o.error is not None)),
                              skipped=str(sum(v is None for v in verdicts)), time=f"{o.seconds:.3f}")
        classname = f"{result.suite.name}.{o.job.run}"
        if o.error is not None:
            case = ET.SubElement(suite, "testcase", classname=classname, name="verify", time=f"{o.seconds:.3f}")
            ET.SubElement(case, "error", message=o.error, type="MesatheoryError").text = o.error
        for c in claims:
            case = ET.SubElement(suite, "testcase", classname=classname, name=f"{c['id']} [{o.job.label}]")
            if c["passed"] is False:
                message = f"expected {c['expected']}, measured {c['measured']}, tolerance {c['tolerance']}"
                ET.SubElement(case, "failure", message=message, type="ClaimFailed").text = c["reason"]
            elif c["passed"] is None:
                ET.SubElement(case, "skipped", message=c["reason"][:500])
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_outputs(result: SuiteResult, out: Path) -> list[Path]:
    """Write ``summary.txt``, ``results.json`` and ``junit.xml`` into ``out``, all or nothing.

    Args:
        result: the suite's outcome.
        out: the output folder (created if needed; files of the same names are replaced).

    Returns:
        The paths written, in ``out``.

    Raises:
        OutputError: the folder cannot be written (nothing is left half-written).
    """
    files = {"summary.txt": summary(result) + "\n",
             "results.json": json.dumps(result.to_dict(), ensure_ascii=False, indent=1, allow_nan=False) + "\n",
             "junit.xml": junit_xml(result)}
    with staged_folder(out) as stage:
        for name, text in files.items():
            write_text(stage / name, text)
    return [Path(out) / name for name in files]
