"""The HTML report, rendered with jinja2 from the templates shipped with sdq.

Autoescaping is on for every template: column names, category labels and messages from the data
are shown as text and never run. The report holds aggregates only (shares, statistics, scores);
no real row is written.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from sdq.report import Report

__all__ = ["render_report", "render_summary", "templates_dir"]

FAMILY_ORDER = ("fidelity", "utility", "privacy")


def templates_dir() -> Path:
    """The folder holding the templates: inside the installed package, or the source tree's."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "report.html.j2").is_file():
            return candidate
    raise FileNotFoundError(f"sdq's report templates are missing (looked in {package / 'templates'})")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["score"] = _fmt_score
    return env


def _fmt_score(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


def verdict(score: float | None, baseline: float | None) -> str:
    """A plain-language reading of a score beside its holdout baseline."""
    if score is None:
        return "not measured"
    if baseline is None:
        return "no holdout to compare with"
    gap = baseline - score
    if gap <= 0.02:
        return "as good as fresh real data"
    if gap <= 0.10:
        return "somewhat below fresh real data"
    return "well below fresh real data"


def _context(report: Report) -> dict[str, Any]:
    summary, baseline = report.summary, report.summary_baseline
    families = [{"name": f, "score": summary[f], "baseline": baseline[f], "verdict": verdict(summary[f], baseline[f])}
                for f in (*FAMILY_ORDER, "overall")]
    by_family = {f: [m for m in report.metrics if m.family == f] for f in FAMILY_ORDER}
    worst = sorted((m for m in report.metrics if m.status == "ok" and m.score is not None),
                   key=lambda m: (m.score - (m.baseline if m.baseline is not None else 1.0)))[:5]
    return {"report": report, "families": families, "by_family": by_family, "worst": worst,
            "metric_info": _metric_info()}


def _metric_info() -> dict[str, Any]:
    from sdq.metrics import registry

    return {name: spec for name, spec in registry().items()}


def render_report(report: Report) -> str:
    """The full, self-contained HTML page of a report."""
    return _environment().get_template("report.html.j2").render(**_context(report))


def render_summary(report: Report) -> str:
    """A compact HTML card for notebooks."""
    return _environment().get_template("summary.html.j2").render(**_context(report))
