"""What the command line prints: progress on stderr, the score table, the leaderboard."""

from __future__ import annotations

import sys
from typing import Any, TextIO

__all__ = ["format_table", "format_leaderboard", "progress", "one_line"]


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


def progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None
    return _ProgressBar(sys.stderr)


def format_table(report, out: TextIO) -> None:
    """The family scores beside their holdout baselines, then one line per metric."""

    def fmt(v: Any) -> str:
        return "    —" if v is None else f"{v:5.3f}"

    summary, baseline = report.summary, report.summary_baseline
    out.write(f"{'':<26}{'score':>7}  {'holdout baseline':>16}\n")
    for family in ("fidelity", "utility", "privacy", "overall"):
        out.write(f"{family:<26}{fmt(summary[family]):>7}  {fmt(baseline[family]):>16}\n")
    out.write("\n")
    for r in report.metrics:
        if r.status == "ok":
            ci = f"  [{r.ci[0]:.3f}, {r.ci[1]:.3f}]" if r.ci else ""
            out.write(f"  {r.name:<24}{fmt(r.score):>7}  {fmt(r.baseline):>16}{ci}\n")
        else:
            out.write(f"  {r.name:<24}{r.status:>7}  {r.message or ''}\n")


def format_leaderboard(comparison) -> str:
    """The leaderboard as a text table."""

    def fmt(v: Any) -> str:
        return "    —" if v is None or v != v else f"{v:5.3f}"

    board = comparison.leaderboard
    width = max(9, *(len(str(n)) for n in board.index)) + 2
    lines = [
        f"{'rank':<5}{'candidate':<{width}}{'overall':>8}  {'range':<15}{'fidelity':>9}{'utility':>9}"
        f"{'privacy':>9}  tied with"
    ]
    for name, row in board.iterrows():
        span = f"[{fmt(row.overall_low)}, {fmt(row.overall_high)}]" if row.overall_low == row.overall_low else "—"
        lines.append(
            f"{int(row['rank']):<5}{str(name):<{width}}{fmt(row.overall):>8}  {span:<15}{fmt(row.fidelity):>9}"
            f"{fmt(row.utility):>9}{fmt(row.privacy):>9}  {', '.join(row.tied_with) or '—'}"
        )
    base = board["baseline_overall"].iloc[0]
    lines.append(f"{'':<5}{'(holdout)':<{width}}{fmt(base):>8}")
    return "\n".join(lines) + "\n"


def one_line(text: str) -> str:
    """A message as one line: line breaks (from a file name or a library's message) escaped."""
    return " ".join(text.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n"))
