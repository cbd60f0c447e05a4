"""What the command line prints: progress on stderr, the score table, the leaderboard."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, TextIO

from sdq.result.verdict import wording

__all__ = [
    "format_table",
    "format_leaderboard",
    "profile_lines",
    "progress",
    "one_line",
    "SHOWN_WARNINGS",
    "QUIET_SECONDS",
]

#: At most this many data warnings under the score table (then "and N more").
SHOWN_FINDINGS = 10
SHOWN_WARNINGS = 5
#: Off a terminal, progress lines start once a run has taken this many seconds: short runs
#: leave a log clean, long ones show that they are moving.
QUIET_SECONDS = 5.0


class _ProgressBar:
    """A one-line progress bar on a terminal's stderr."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, event: str, name: str, done: int, total: int) -> None:
        width = 24
        filled = int(width * done / max(total, 1))
        label = f"running {name}" if event == "start" else f"done {name}"
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}")
        if event == "end" and done == total:
            self.stream.write("\r" + " " * (width + 56) + "\r")
        self.stream.flush()


class _ProgressLines:
    """One line per finished metric, for a stderr that is not a terminal (a log, a CI job):
    ``sdq: [3/15] correlation done in 1.2 s``. Lines start once the run has taken ``after``
    seconds; where metrics run in other processes (no start is reported) a line gives the time
    since the run started instead."""

    def __init__(
        self, stream: TextIO, label: str = "", after: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream, self.label, self.clock = stream, label, clock
        self.after = QUIET_SECONDS if after is None else after
        self.started = clock()
        self.starts: dict[str, float] = {}

    def __call__(self, event: str, name: str, done: int, total: int) -> None:
        now = self.clock()
        if event == "start":
            self.starts[name] = now
            return
        began = self.starts.pop(name, None)
        if now - self.started < self.after:
            return
        took = f"in {now - began:.1f} s" if began is not None else f"({now - self.started:.1f} s since the start)"
        self.stream.write(f"sdq: {self.label}[{done}/{total}] {name} done {took}\n")
        self.stream.flush()


def progress(quiet: bool, label: str = ""):
    """The progress callback of a run: a bar on a terminal, lines elsewhere, None with ``quiet``.
    ``label`` (e.g. a candidate's name) starts each line."""
    if quiet:
        return None
    if sys.stderr.isatty():
        return _ProgressBar(sys.stderr)
    return _ProgressLines(sys.stderr, label=f"{label}: " if label else "")


def _short_reason(message: str | None) -> str:
    """A skip reason's first clause: the whole reason is in the reports."""
    text = (message or "no reason given").strip()
    return text.split(": ", 1)[0]


def format_table(report, out: TextIO) -> None:
    """The family scores beside their holdout baselines with a verdict (decided by findings, with
    their number and that of the failing columns), then one line per metric that ran or failed,
    one line for the metrics that did not run (grouped by reason), the findings (at most
    :data:`SHOWN_FINDINGS`) and the data warnings (at most :data:`SHOWN_WARNINGS`)."""

    def fmt(v: Any) -> str:
        return "    —" if v is None else f"{v:5.3f}"

    def span(ci: Any) -> str:
        return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci and None not in ci else ""

    summary, baseline, intervals = report.summary, report.summary_baseline, report.summary_intervals
    judged = any(r.baseline is not None for r in report.metrics)

    def line(label: str, score: Any, base: Any, ci: Any, scope: str) -> str:
        words = wording(*report.reading(scope))[1] if judged else ""
        return f"{label:<26}{fmt(score):>7}  {fmt(base):>16}  {span(ci):<14}  {words}".rstrip() + "\n"

    out.write(
        f"{'':<26}{'score':>7}  {'holdout baseline':>16}  {'interval':<14}  {'verdict' if judged else ''}".rstrip()
    )
    out.write("\n")
    for family in ("fidelity", "utility", "privacy", "overall"):
        out.write(line(family, summary[family], baseline[family], intervals[family], family))
    reading = getattr(report, "profile_reading", None)
    if reading is not None:
        out.write(profile_lines(reading, judged))
    out.write("\n")
    not_run: dict[str, list[str]] = {}
    for r in report.metrics:
        if r.status == "ok":
            out.write(line(f"  {r.name}", r.score, r.baseline, r.ci, r.name))
        elif r.status == "skipped":
            not_run.setdefault(_short_reason(r.message), []).append(r.name)
        else:
            out.write(f"  {r.name:<24}{r.status:>7}  {one_line(r.message or '')}\n")
    if not_run:
        groups = "; ".join(f"{', '.join(names)} ({reason})" for reason, names in not_run.items())
        out.write(f"  not run: {one_line(groups)}\n")
    findings = report.findings
    if findings:
        out.write("\nfindings (below the holdout baseline by more than noise explains):\n")
        for f in findings[:SHOWN_FINDINGS]:
            where = f"{f.metric}:{f.column}" if f.column is not None else f.metric
            out.write(f"  {f.severity:<6} {where:<40} {f.score:5.3f} vs {f.baseline:5.3f}\n")
        if len(findings) > SHOWN_FINDINGS:
            out.write(f"  and {len(findings) - SHOWN_FINDINGS} more (the report's findings)\n")
    if (report.data or {}).get("holdout") is None:
        out.write("\nno holdout: give one (--holdout PATH) for baselines and verdicts\n")
        for text in without_holdout(report):
            out.write(f"  {text}\n")
    warnings = list((report.data or {}).get("warnings") or [])
    if warnings:
        out.write("\ndata warnings:\n")
        for text in warnings[:SHOWN_WARNINGS]:
            out.write(f"  {one_line(text)}\n")
        if len(warnings) > SHOWN_WARNINGS:
            out.write(f"  and {len(warnings) - SHOWN_WARNINGS} more (the report's data.warnings)\n")


def profile_lines(reading, judged: bool = True) -> str:
    """The profile's line under the family lines (its score, holdout baseline, range and verdict,
    beside the neutral overall above it), then why, and what it names that the report lacks."""

    def fmt(v: Any) -> str:
        return "    —" if v is None else f"{v:5.3f}"

    ci = reading.intervals["overall"]
    span = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci and None not in ci else ""
    words = (wording(reading.verdict)[1] or "not measured") if judged else ""
    label = f"profile {reading.profile.name}"
    text = (
        f"{label:<26}{fmt(reading.summary['overall']):>7}  {fmt(reading.summary_baseline['overall']):>16}  "
        f"{span:<14}  {words}".rstrip()
        + "\n"
    )
    for reason in reading.reasons():
        text += f"  {one_line(reason)}\n"
    if reading.not_measured:
        text += f"  not measured by {reading.profile.name}: {', '.join(reading.not_measured)}\n"
    return text


def without_holdout(report) -> list[str]:
    """What each family that ran compared, in a report without a holdout (nothing is judged)."""
    ran = {r.family for r in report.metrics if r.status == "ok"}
    lines = []
    if "fidelity" in ran:
        lines.append(
            "fidelity: synthetic against the training rows alone, beside nothing that says what fresh data scores"
        )
    if "utility" in ran:
        lines.append("utility: models tested on a share of the training rows, which the generator saw (optimistic)")
    if "privacy" in ran:
        lines.append("privacy: only the metrics that need no holdout ran")
    return lines


def format_leaderboard(comparison) -> str:
    """The leaderboard as a text table."""

    def fmt(v: Any) -> str:
        return "    —" if v is None or v != v else f"{v:5.3f}"

    board = comparison.leaderboard
    profile = getattr(comparison, "profile", None)
    width = max(9, *(len(str(n)) for n in board.index)) + 2
    verdicts = {name: wording(row.verdict)[1] or "—" for name, row in board.iterrows()}
    vwidth = max(9, *(len(v) for v in verdicts.values())) + 2
    extra_head = ""
    if profile is not None:
        mine = {name: wording(row.profile_verdict)[1] or "—" for name, row in board.iterrows()}
        pwidth = max(len(profile.name) + 1, *(len(v) for v in mine.values())) + 2
        extra_head = f"{profile.name:<{pwidth}}{'score':>7}  "
    lines = [
        f"{'rank':<5}{'candidate':<{width}}{extra_head}{'verdict':<{vwidth}}{'findings':>8}{'overall':>9}  "
        f"{'range':<15}{'fidelity':>9}{'utility':>9}{'privacy':>9}  tied with"
    ]
    for name, row in board.iterrows():
        span = f"[{fmt(row.overall_low)}, {fmt(row.overall_high)}]" if row.overall_low == row.overall_low else "—"
        extra = f"{mine[name]:<{pwidth}}{fmt(row.profile_score):>7}  " if profile is not None else ""
        lines.append(
            f"{int(row['rank']):<5}{str(name):<{width}}{extra}{verdicts[name]:<{vwidth}}{int(row.findings):>8}"
            f"{fmt(row.overall):>9}  {span:<15}{fmt(row.fidelity):>9}"
            f"{fmt(row.utility):>9}{fmt(row.privacy):>9}  {', '.join(row.tied_with) or '—'}"
        )
    base = board["baseline_overall"].iloc[0]
    pad = " " * len(extra_head)
    lines.append(f"{'':<5}{'(holdout)':<{width}}{pad}{'':<{vwidth}}{'':>8}{fmt(base):>9}")
    if profile is not None:
        lines.append("")
        lines.append(
            f"ranked as profile {profile.name} reads the reports (its verdict, then its score); "
            "verdict and overall: the neutral reading"
        )
        lines.extend(
            one_line(line) if not line.startswith("  ") else "  " + one_line(line)
            for line in comparison.choice["why"][1:]
        )
    return "\n".join(lines) + "\n"


def one_line(text: str) -> str:
    """A message as one line: line breaks (from a file name or a library's message) escaped."""
    return " ".join(text.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n"))
