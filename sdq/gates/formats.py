"""What a check looks like outside Python: a plain-text table, Markdown (a pull-request comment or
``$GITHUB_STEP_SUMMARY``) and JUnit XML (one test case per threshold). Each takes a
:class:`sdq.gates.check.CheckResult`."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sdq.gates.messages import format_failure
from sdq.gates.threshold import FAMILY_TARGETS, score_text

__all__ = ["text_table", "markdown", "junit"]


def text_table(result) -> str:
    """A compact plain-text table: one line per threshold, then what failed by how much."""
    rows = [
        (
            o.status.upper() if o.status != "passed" else "ok",
            o.threshold.describe(),
            score_text(o.value),
            score_text(o.required),
            score_text(o.baseline),
            o.reason() if o.status != "passed" else "",
        )
        for o in result.outcomes
    ]
    head = ("", "threshold", "value", "required", "baseline", "")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
    lines = [
        "  ".join(c.ljust(w) if i in (0, 1) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        + ("  " + r[5] if r[5] else "")
        for r in [head] + rows
    ]
    failed = len(result.failures)
    lines.append("")
    lines.append(
        f"{len(result.outcomes) - failed} of {len(result.outcomes)} thresholds passed"
        + (f"; {failed} failed" if failed else "")
    )
    return "\n".join(line.rstrip() for line in lines) + "\n"


def markdown(result) -> str:
    """A Markdown summary (for a pull-request comment or ``$GITHUB_STEP_SUMMARY``)."""
    failed = len(result.failures)
    title = "all thresholds passed" if not failed else f"{failed} of {len(result.outcomes)} thresholds failed"
    lines = [
        f"### sdq check: {title}",
        "",
        "| | threshold | score | required | baseline | interval | note |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    icons = {"passed": "✅", "failed": "❌", "skipped": "⚠️"}
    for o in result.outcomes:
        interval = f"{o.ci[0]:.3f}–{o.ci[1]:.3f}" if o.ci else "—"
        note = o.reason().replace("|", "\\|") if o.status != "passed" else ""
        lines.append(
            f"| {icons[o.status]} | `{o.threshold.describe()}` | {score_text(o.value)} | "
            f"{score_text(o.required)} | {score_text(o.baseline)} | {interval} | {note} |"
        )
    return "\n".join(lines) + "\n"


def junit(result) -> str:
    """JUnit XML: one ``<testcase>`` per threshold in one ``<testsuite name="sdq">``."""
    failures = result.failures
    suite = ET.Element(
        "testsuite",
        name="sdq",
        tests=str(len(result.outcomes)),
        failures=str(len(failures)),
        errors="0",
        skipped=str(sum(o.status == "skipped" for o in result.outcomes)),
    )
    for o in result.outcomes:
        family = o.threshold.metric if o.threshold.metric in FAMILY_TARGETS else (o.family or "unknown")
        case = ET.SubElement(suite, "testcase", classname=f"sdq.{family}", name=o.threshold.describe(), time="0")
        numbers = (
            f"score={score_text(o.score)} threshold={o.threshold.min:.3f} required={score_text(o.required)} "
            f"baseline={score_text(o.baseline)} interval=" + (f"{o.ci[0]:.3f}-{o.ci[1]:.3f}" if o.ci else "—")
        )
        if o.status == "failed":
            failure = ET.SubElement(
                case,
                "failure",
                type="threshold",
                message=f"{o.threshold.describe()} failed: {o.reason()}; {numbers}",
            )
            failure.text = format_failure([o], hint=None)
        elif o.status == "skipped":
            ET.SubElement(case, "skipped", message=o.reason())
        else:
            out = ET.SubElement(case, "system-out")
            out.text = numbers
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
