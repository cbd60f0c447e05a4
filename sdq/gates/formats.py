"""What a check looks like outside Python: a plain-text table, Markdown (a pull-request comment or
``$GITHUB_STEP_SUMMARY``), JUnit XML (one test case per threshold) and an HTML table (a notebook's
display). Each takes a :class:`sdq.gates.check.CheckResult`."""

from __future__ import annotations

import html as _html
import xml.etree.ElementTree as ET

from sdq.gates.messages import format_failure
from sdq.gates.threshold import FAMILY_TARGETS, score_text
from sdq.result.verdict import wording

__all__ = ["text_table", "markdown", "junit", "html_table"]


def verdicts_line(result) -> str | None:
    """``verdicts: fidelity well below (3 findings, 1 column) · utility on par · ...`` of the
    checked report (None without one, or where it has no holdout baseline at all)."""
    report = getattr(result, "report", None)
    if report is None or not hasattr(report, "reading"):
        return None
    parts = []
    for scope in ("fidelity", "utility", "privacy", "overall"):
        verdict, findings = report.reading(scope)
        if verdict != "not_measured":
            parts.append(f"{scope} {wording(verdict, findings)[1]}")
    reading = getattr(report, "profile_reading", None)
    if reading is not None and reading.verdict != "not_measured":
        score = reading.summary["overall"]
        text = f"profile {reading.profile.name} {wording(reading.verdict)[1]}"
        if score is not None:
            text += f" (score {score:.3f})"
        decisive = [f"{p.finding.metric}" for p in reading.decisive()]
        if decisive:
            text += f": decided by {', '.join(dict.fromkeys(decisive))}"
        parts.append(text)
    return "verdicts: " + " · ".join(parts) if parts else None


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
    verdicts = verdicts_line(result)
    if verdicts:
        lines.append(verdicts)
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
    verdicts = verdicts_line(result)
    if verdicts:
        lines += ["", verdicts.replace("verdicts:", "**Verdicts:**", 1)]
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


_STYLE = {
    "box": "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:13px;line-height:1.4;"
    "color:inherit;max-width:60rem;",
    "th": "text-align:left;padding:3px 10px;border-bottom:1px solid rgba(127,127,127,0.4);font-weight:600;",
    "td": "text-align:left;padding:3px 10px;border-bottom:1px solid rgba(127,127,127,0.15);vertical-align:top;",
    "num": "padding:3px 10px;border-bottom:1px solid rgba(127,127,127,0.15);vertical-align:top;text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap;",
}
_STATUS = {"passed": ("✓ passed", "#2f855a"), "failed": ("✗ failed", "#c53030"), "skipped": ("⚠ skipped", "#b7791f")}


def html_table(result) -> str:
    """An HTML table (a notebook's display of a check): one row per threshold with its status, the
    checked value, the required one, the holdout baseline and the interval; for a failure, why and
    the worst offenders. Inline styles and no script, tags that sanitisers keep (no ``<th>``); all
    text is escaped."""

    def e(value) -> str:
        return _html.escape(str(value), quote=True)

    s = _STYLE
    failed = len(result.failures)
    total = len(result.outcomes)
    if not total:
        title, colour = "no thresholds were checked", "inherit"
    elif failed:
        title, colour = f"{failed} of {total} thresholds failed", _STATUS["failed"][1]
    else:
        title, colour = f"all {total} thresholds passed", _STATUS["passed"][1]
    heads = ["", "threshold", "value", "required", "baseline", "95% interval", "note"]
    head = "".join(
        f'<td style="{s["th"]}'
        + ("text-align:right;" if h in ("value", "required", "baseline", "95% interval") else "")
        + f'">{e(h)}</td>'
        for h in heads
    )
    rows = []
    for o in result.outcomes:
        label, tone = _STATUS.get(o.status, (o.status, "inherit"))
        interval = f"{o.ci[0]:.3f} – {o.ci[1]:.3f}" if o.ci else "—"
        note = ""
        if o.status != "passed":
            note = e(o.reason())
            if o.status == "failed" and o.worst:
                note += "".join(f'<div style="opacity:0.75;font-size:12px;">{e(line)}</div>' for line in o.worst)
        rows.append(
            f'<tr><td style="{s["td"]}color:{tone};font-weight:600;white-space:nowrap;">{e(label)}</td>'
            f'<td style="{s["td"]}font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;white-space:nowrap;">'
            f"{e(o.threshold.describe())}</td>"
            f'<td style="{s["num"]}">{e(score_text(o.value))}</td>'
            f'<td style="{s["num"]}">{e(score_text(o.required))}</td>'
            f'<td style="{s["num"]}">{e(score_text(o.baseline))}</td>'
            f'<td style="{s["num"]}">{e(interval)}</td>'
            f'<td style="{s["td"]}min-width:16rem;">{note}</td></tr>'
        )
    return (
        f'<div class="sdq-check" style="{s["box"]}">'
        f'<div style="font-weight:600;font-size:14px;margin-bottom:4px;color:{colour};">sdq check: {e(title)}</div>'
        f'<table style="border-collapse:collapse;"><tr>{head}</tr>{"".join(rows)}</table>'
        '<div style="opacity:0.7;margin-top:6px;">value: the score checked (the interval\'s lower end for '
        "<code>ci_low</code>); required: the threshold, times the holdout baseline where it is relative.</div>"
        "</div>"
    )
