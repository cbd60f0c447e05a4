"""Checking thresholds against a report: each threshold's outcome, read from the report alone
(its family scores, metric results and per-column scores), and the worst offenders named in
failure messages. Per-column scores and pairs are read through the shape each result declares
(:mod:`sdq.shapes`), never by the metric's name. A target the report does not hold fails with that
reason (or is ``skipped`` with ``allow_skipped``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sdq.gates import formats
from sdq.gates.messages import DEFAULT_HINT, format_failure
from sdq.gates.parse import as_thresholds
from sdq.gates.threshold import EVERY_COLUMN, FAMILY_TARGETS, Threshold, score_text
from sdq.result import json_safe
from sdq.shapes import ColumnScore, Shape, infer

__all__ = ["ThresholdOutcome", "CheckResult", "check", "worst_offenders"]

_TOLERANCE = 1e-12


@dataclass
class ThresholdOutcome:
    """What one threshold found in a report.

    ``required`` is the number the checked value had to reach (``min``, or ``min * baseline`` for
    ``relative``); ``value`` the checked value (the score, or the interval's lower end for
    ``ci_low``); ``status`` is ``passed``, ``failed`` or ``skipped`` (``allow_skipped``).
    """

    threshold: Threshold
    score: float | None
    baseline: float | None
    ci: list[float] | None
    required: float | None
    value: float | None
    status: str
    message: str | None = None
    worst: list[str] = field(default_factory=list)
    family: str | None = None  # the family of the metric checked (from the report)

    @property
    def target(self) -> str:
        return self.threshold.target

    @property
    def kind(self) -> str:
        return self.threshold.kind

    @property
    def passed(self) -> bool:
        return self.status != "failed"

    @property
    def shortfall(self) -> float | None:
        """How far the checked value fell below the required one (None if it could not be checked)."""
        if self.value is None or self.required is None:
            return None
        return max(0.0, self.required - self.value)

    def reason(self) -> str:
        if self.message:
            return self.message
        if self.status == "failed":
            return f"{score_text(self.value)} < {score_text(self.required)} (short by {score_text(self.shortfall)})"
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "threshold": self.threshold.min,
            "required": self.required,
            "score": self.score,
            "baseline": self.baseline,
            "ci": self.ci,
            "value": self.value,
            "passed": self.passed,
            "status": self.status,
            "message": self.message,
        }


class CheckResult:
    """The outcomes of a list of thresholds on one report; true when every threshold passed."""

    def __init__(self, outcomes: list[ThresholdOutcome], report: Any = None) -> None:
        self.outcomes = list(outcomes)
        self.report = report

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def failures(self) -> list[ThresholdOutcome]:
        return [o for o in self.outcomes if not o.passed]

    def __bool__(self) -> bool:
        return self.passed

    def __iter__(self):
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    def __getitem__(self, index: int) -> ThresholdOutcome:
        return self.outcomes[index]

    def __repr__(self) -> str:
        return f"<sdq.CheckResult {len(self.outcomes) - len(self.failures)}/{len(self.outcomes)} passed>"

    def to_dict(self) -> dict[str, Any]:
        return json_safe({"passed": self.passed, "outcomes": [o.to_dict() for o in self.outcomes]})

    def format_table(self) -> str:
        """A compact plain-text table: one line per threshold, then what failed by how much."""
        return formats.text_table(self)

    def to_markdown(self) -> str:
        """A Markdown summary (for a pull-request comment or ``$GITHUB_STEP_SUMMARY``)."""
        return formats.markdown(self)

    def to_junit(self) -> str:
        """JUnit XML: one ``<testcase>`` per threshold in one ``<testsuite name="sdq">``."""
        return formats.junit(self)

    def to_html(self) -> str:
        """An HTML table of the outcomes (inline styles, no script; all text escaped)."""
        return formats.html_table(self)

    def _repr_html_(self) -> str:
        return formats.html_table(self)

    def raise_for_failures(self, hint: str | None = DEFAULT_HINT) -> None:
        """Raise an ``AssertionError`` with :func:`format_failure`'s message if any threshold failed."""
        __tracebackhide__ = True
        if not self.passed:
            error = AssertionError(format_failure(self.failures, total=len(self.outcomes), hint=hint))
            error.report = self.report  # type: ignore[attr-defined]
            raise error


def _shape(result: Any) -> Shape:
    shape = getattr(result, "shape", None)
    return shape if isinstance(shape, Shape) else infer(getattr(result, "details", None))


def _column_entry(result: Any, column: str) -> tuple[ColumnScore | None, bool]:
    entries = _shape(result).column_scores(result.details)
    for entry in entries:
        if entry.column == column:
            return entry, True
    return None, bool(entries)


def worst_offenders(result: Any, n: int = 3) -> list[str]:
    """Lines naming the lowest-scoring columns and pairs of a metric result, with their numbers."""
    details = getattr(result, "details", None) or {}
    shape = _shape(result)
    lines = []
    scored = [(c.column, c.score, c.baseline) for c in shape.column_scores(details) if c.score is not None]
    if scored:
        scored.sort(key=lambda s: s[1])
        lines.append(
            "worst columns: "
            + "; ".join(
                f"{name} {score:.3f}" + (f" (baseline {base:.3f})" if base is not None else "")
                for name, score, base in scored[:n]
            )
        )
    pairs = shape.pairs(details)
    if pairs:
        pairs = sorted(pairs, key=lambda p: p["similarity"])[:n]
        lines.append(
            "worst pairs: "
            + "; ".join(
                f"({', '.join(map(str, p.get('columns', [])))}) real={score_text(p.get('real'))} "
                f"synthetic={score_text(p.get('synthetic'))} similarity={score_text(p.get('similarity'))}"
                for p in pairs
            )
        )
    return lines


def _family_worst(report: Any, family: str, n: int = 3) -> list[str]:
    ran = [
        r
        for r in report.metrics
        if r.status == "ok" and r.score is not None and (family == "overall" or r.family == family)
    ]
    if not ran:
        return []
    ran.sort(key=lambda r: r.score)
    lines = [
        "worst metrics: "
        + "; ".join(
            f"{r.name} {r.score:.3f}" + (f" (baseline {r.baseline:.3f})" if r.baseline is not None else "")
            for r in ran[:n]
        )
    ]
    return lines + [f"{ran[0].name}: {line}" for line in worst_offenders(ran[0], n)]


def _counted_findings(report: Any) -> list[tuple[Any, str, str]]:
    """``(finding, severity, note)`` of each finding the gate counts: the report's findings, or,
    when the report is read with a profile, the findings as the profile counts them (a decisive
    or strict one is major, a lenient one minor, those of metrics it does not count left out)."""
    reading = getattr(report, "profile_reading", None)
    if reading is None:
        return [(f, f.severity, "") for f in report.findings]
    out = []
    for p in reading.findings:
        note = ""
        if p.decisive:
            note = f"; decisive for {reading.profile.name}"
        elif p.severity != p.finding.severity:
            note = f"; {p.severity} for {reading.profile.name} ({p.treatment})"
        out.append((p.finding, p.severity, note))
    return out


def _findings_outcome(report: Any, t: Threshold) -> ThresholdOutcome:
    """A findings gate: passes when the report (or one family of it) has no finding of the
    severity it fails on; fails, or is skipped with ``allow_skipped``, when nothing had a baseline.
    A report read with a profile is gated on the findings as the profile counts them."""
    scope = [r for r in report.metrics if r.status == "ok" and t.column in (None, r.family)]
    if not any(r.baseline is not None for r in scope):
        what = f"no {t.column} metric" if t.column else "no metric"
        problem = f"{what} has a holdout baseline (was a holdout given?): findings need one"
        status = "skipped" if t.allow_skipped else "failed"
        return ThresholdOutcome(t, None, None, None, None, None, status, problem, [], t.column)
    found = [
        (f, severity, note)
        for f, severity, note in _counted_findings(report)
        if t.column in (None, f.family) and (t.fail_on == "any" or severity == "major")
    ]
    if not found:
        return ThresholdOutcome(t, None, None, None, None, None, "passed", None, [], t.column)
    columns = {f.column for f, _, _ in found if f.column is not None}
    message = f"{len(found)} {'major ' if t.fail_on == 'major' else ''}finding{'s' if len(found) > 1 else ''}" + (
        f" ({len(columns)} column{'s' if len(columns) > 1 else ''})" if columns else ""
    )
    reading = getattr(report, "profile_reading", None)
    if reading is not None:
        message += f" as profile {reading.profile.name} counts them"
    worst = [
        f"{severity} {f.metric}{':' + f.column if f.column is not None else ''}: "
        f"{f.score:.3f} vs baseline {f.baseline:.3f} ({f.evidence}{note})"
        for f, severity, note in found[:5]
    ]
    if len(found) > 5:
        worst.append(f"and {len(found) - 5} more (the report's findings)")
    return ThresholdOutcome(t, None, None, None, None, None, "failed", message, worst, t.column)


def _every_column(r: Any, t: Threshold) -> tuple[ColumnScore | None, str | None, list[str]]:
    """A ``metric:*`` threshold: the column that falls shortest (or, when every column passes, the
    one closest to its threshold: the outcome reads its score and baseline), the problem if no
    column could be checked, and lines naming the failing columns. A column whose score comes with
    a note saying it is too noisy to be tested on its own (e.g. a dependence within sampling noise
    at these sizes) is not checked."""
    entries = [e for e in _shape(r).column_scores(r.details) if e.score is not None and e.note is None]
    if not entries:
        return None, f"metric {t.metric!r} has no per-column scores", []
    checked = []
    for e in entries:
        if t.kind == "relative":
            if e.baseline is None:
                continue
            checked.append((e, t.min * e.baseline))
        else:
            checked.append((e, t.min))
    if not checked:
        return None, f"the columns of {t.metric!r} have no holdout baseline (was a holdout given?)", []
    checked.sort(key=lambda c: c[0].score - c[1])
    failing = [(e, req) for e, req in checked if e.score < req - _TOLERANCE]
    lines = []
    if failing:
        lines.append(
            f"{len(failing)} of {len(checked)} columns below: "
            + "; ".join(f"{e.column} {e.score:.3f} < {req:.3f}" for e, req in failing[:5])
            + ("; ..." if len(failing) > 5 else "")
        )
    return checked[0][0], None, lines


def _outcome(report: Any, t: Threshold) -> ThresholdOutcome:
    if t.kind == "findings":
        return _findings_outcome(report, t)
    score = baseline = None
    ci = None
    problem = None
    worst: list[str] = []
    if t.metric in FAMILY_TARGETS:
        score, baseline = report.summary.get(t.metric), report.summary_baseline.get(t.metric)
        if score is None:
            problem = f"no {t.metric} metric ran" if t.metric != "overall" else "no metric ran"
        worst = _family_worst(report, t.metric)
    else:
        results = [r for r in report.metrics if r.name == t.metric]
        if not results:
            problem = f"metric {t.metric!r} was not run (it is not in this report)"
        elif results[0].status != "ok":
            r = results[0]
            problem = f"metric {t.metric!r} {'was skipped' if r.status == 'skipped' else 'failed'}: {r.message}"
        else:
            r = results[0]
            if t.column is None:
                score, baseline, ci = r.score, r.baseline, r.ci
                worst = worst_offenders(r)
            elif t.column == EVERY_COLUMN:
                entry, problem, worst = _every_column(r, t)
                if entry is not None:
                    score, baseline = entry.score, entry.baseline
            else:
                entry, has_columns = _column_entry(r, t.column)
                if not has_columns:
                    problem = f"metric {t.metric!r} has no per-column scores"
                elif entry is None:
                    problem = f"metric {t.metric!r} has no score for column {t.column!r}"
                else:
                    score, baseline = entry.score, entry.baseline
                    worst = worst_offenders(r)
                    if score is None:
                        problem = f"column {t.column!r} of {t.metric!r} has no score" + (
                            f": {entry.note}" if entry.note else ""
                        )
    required = value = None
    if problem is None:
        if t.kind == "absolute":
            required, value = t.min, score
        elif t.kind == "relative":
            if baseline is None:
                problem = f"{t.target} has no holdout baseline (was a holdout given?)"
            else:
                required, value = t.min * baseline, score
        else:
            if not ci:
                problem = f"{t.target} has no interval"
            else:
                required, value = t.min, ci[0]
    family = next((r.family for r in report.metrics if r.name == t.metric), None)
    if problem is not None:
        status = "skipped" if t.allow_skipped else "failed"
        return ThresholdOutcome(t, score, baseline, ci, required, value, status, problem, worst, family)
    passed = value >= required - _TOLERANCE
    status = "passed" if passed else "failed"
    return ThresholdOutcome(t, score, baseline, ci, required, value, status, None, worst, family)


def check(report: Any, thresholds: Any) -> CheckResult:
    """Check thresholds (anything :func:`as_thresholds` takes) against a report."""
    items = as_thresholds(thresholds)
    return CheckResult([_outcome(report, t) for t in items], report=report)
