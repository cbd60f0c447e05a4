"""The HTML page of a comparison of several synthetic candidates (:class:`sdq.engine.compare.Comparison`).

One self-contained page, like the single report (same stylesheet, script and safety rules): the
leaderboard with each candidate's overall range and ties (and, with a profile, the profile's
verdict, score and choice beside the neutral ones), the trade-off charts (fidelity vs privacy and
utility vs privacy, each candidate with its ranges, the Pareto front drawn and the profile's
choice marked), the family scores side by side, every metric side by side, and per-column
heatmaps (candidate x column) for the metrics that score columns one by one. Figures are built
from the reports' details only.
"""

from __future__ import annotations

from typing import Any

from sdq.render import figures as fig
from sdq.render.html import (
    CDN_URL,
    _asset,
    _environment,
    _FigureStore,
    _packed_plotly,
    _plotly_version,
    script_json,
)
from sdq.result.tradeoff import RULE as TRADEOFF_RULE
from sdq.result.verdict import SHORT, TONES, wording

__all__ = ["render_comparison", "tradeoff_figure"]

PALETTE = ["#dd6b20", "#2b6cb0", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f", "#4a5568"]

FAMILIES = ("fidelity", "utility", "privacy", "overall")
#: At most this many columns in a per-column heatmap (those that differ most between candidates).
MAX_COLUMNS = 60


def _family_figure(comparison) -> dict[str, Any]:
    names = list(comparison.reports)
    data = []
    palette = PALETTE
    for k, name in enumerate(names):
        report = comparison.reports[name]
        intervals = report.summary_intervals
        values = [fig._num(report.summary[f]) for f in FAMILIES]
        low = [(v - intervals[f][0]) if v is not None and intervals[f] else None for v, f in zip(values, FAMILIES)]
        high = [(intervals[f][1] - v) if v is not None and intervals[f] else None for v, f in zip(values, FAMILIES)]
        data.append(
            {
                "type": "bar",
                "name": fig.plot_text(name),
                "x": list(FAMILIES),
                "y": values,
                "marker": {"color": palette[k % len(palette)]},
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [fig._num(v) for v in high],
                    "arrayminus": [fig._num(v) for v in low],
                    "thickness": 1,
                },
                "hovertemplate": "%{x}: %{y:.3f}<extra>" + fig.plot_text(name) + "</extra>",
            }
        )
    first = next(iter(comparison.reports.values()))
    base = [fig._num(first.summary_baseline[f]) for f in FAMILIES]
    if any(v is not None for v in base):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "holdout (baseline)",
                "x": list(FAMILIES),
                "y": base,
                "marker": {"symbol": "line-ew-open", "size": 28, "color": "#1f2328", "line": {"width": 3}},
                "hovertemplate": "%{x}: %{y:.3f}<extra>holdout</extra>",
            }
        )
    return {
        "data": data,
        "layout": fig._layout(320, barmode="group", yaxis={"range": [0, 1.02], "title": {"text": "score"}}),
    }


def tradeoff_figure(comparison, entries: list[dict[str, Any]], x: str, y: str, chosen: list[str]) -> dict | None:
    """One trade-off chart: each candidate at (x family, y family) with its ranges as error bars
    (filled: on the Pareto front; open: dominated), the front as a staircase (the boundary of what
    the front's candidates dominate), the holdout's baselines as the reference, and the profile's
    choice as a star. None when fewer than one candidate has both scores."""
    placed = [e for e in entries if e["measured"]]
    if not placed:
        return None
    names = list(comparison.reports)
    data = []
    for e in placed:
        name = e["candidate"]
        colour = PALETTE[names.index(name) % len(PALETTE)]
        xr, yr = e[f"{x}_range"], e[f"{y}_range"]
        star = name in chosen
        status = "on the Pareto front" if e["on_front"] else "dominated by " + ", ".join(e["dominated_by"])
        if e["clearly_dominated_by"]:
            status += " (clearly: ranges apart)"
        elif not e["on_front"]:
            status += " (within the ranges: may be on the front)"
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": fig.plot_text(name) + (" (choice)" if star else ""),
                "x": [fig._num(e[x])],
                "y": [fig._num(e[y])],
                "marker": {
                    "color": colour,
                    "size": 18 if star else 12,
                    "symbol": ("star" if star else "circle") + ("" if e["on_front"] else "-open"),
                    "line": {"width": 2, "color": colour},
                },
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [fig._num(xr[1] - e[x]) if xr else None],
                    "arrayminus": [fig._num(e[x] - xr[0]) if xr else None],
                    "thickness": 1,
                    "color": colour,
                },
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [fig._num(yr[1] - e[y]) if yr else None],
                    "arrayminus": [fig._num(e[y] - yr[0]) if yr else None],
                    "thickness": 1,
                    "color": colour,
                },
                "hovertemplate": f"{x} %{{x:.3f}} · {y} %{{y:.3f}}<br>"
                + fig.plot_text(status)
                + "<extra>"
                + fig.plot_text(name)
                + "</extra>",
            }
        )
    front = sorted((e for e in placed if e["on_front"]), key=lambda e: (e[x], -e[y]))
    if len(front) > 1:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Pareto front",
                "x": [fig._num(e[x]) for e in front],
                "y": [fig._num(e[y]) for e in front],
                "line": {"shape": "vh", "dash": "dot", "color": "#1f2328", "width": 1},
                "hoverinfo": "skip",
            }
        )
    first = next(iter(comparison.reports.values()))
    bx, by = fig._num(first.summary_baseline[x]), fig._num(first.summary_baseline[y])
    if bx is not None and by is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "holdout (baseline)",
                "x": [bx],
                "y": [by],
                "marker": {"symbol": "x-thin-open", "size": 14, "color": "#1f2328", "line": {"width": 2}},
                "hovertemplate": f"{x} %{{x:.3f}} · {y} %{{y:.3f}}<extra>holdout: fresh real data</extra>",
            }
        )
    return {
        "data": data,
        "layout": fig._layout(
            440,
            xaxis={"range": [-0.03, 1.03], "title": {"text": f"{x} (higher is better)"}},
            yaxis={"range": [-0.03, 1.03], "title": {"text": f"{y} (higher is safer)"}},
            legend={"orientation": "h", "y": -0.3, "yanchor": "top"},
            margin={"b": 110},
        ),
    }


def _tradeoff_panels(comparison, chosen: list[str]) -> list[dict[str, Any]]:
    profile = comparison.profile
    star = f"the choice of {profile.name}" if profile is not None else "the first of the leaderboard"
    panels = []
    for chart, entries in comparison.tradeoffs().items():
        x, y = chart.split("_")
        figure = tradeoff_figure(comparison, entries, x, y, chosen)
        if figure is None:
            continue
        left = [e["candidate"] for e in entries if not e["measured"]]
        caption = (
            "each candidate with its ranges; filled: on the Pareto front (no other candidate at least as high on "
            f"both), open: dominated; dotted: the front; star: {star}; x: the holdout"
        )
        if left:
            caption += f"; not placed (a family not measured): {', '.join(left)}"
        panels.append({"title": f"{x} vs {y}", "caption": caption, "figure": figure})
    return panels


def _column_heatmaps(comparison) -> list[dict[str, Any]]:
    """One heatmap per per-column metric: candidates x columns, the synthetic score minus the
    holdout's (0 = as good as fresh real data), columns that differ most first."""
    frames = {name: report.to_frame("columns") for name, report in comparison.reports.items()}
    first = next(iter(frames.values()))
    metrics = [c for c in first.columns if c not in ("kind", "role") and not c.endswith("_baseline")]
    panels = []
    for metric in metrics:
        scores = {name: f[metric] if metric in f else None for name, f in frames.items()}
        if any(s is None for s in scores.values()):
            continue
        baseline = first[f"{metric}_baseline"]
        gaps = {name: (s - baseline.fillna(1.0)) for name, s in scores.items()}
        worst = None
        for g in gaps.values():
            worst = g if worst is None else worst.combine(g, min)
        columns = [c for c in worst.sort_values(kind="stable").index if worst[c] == worst[c]][:MAX_COLUMNS]
        if not columns:
            continue
        z = [[fig._num(gaps[name][c]) for c in columns] for name in comparison.reports]
        text = [[fig._fmt(scores[name][c]) for c in columns] for name in comparison.reports]
        figure = {
            "data": [
                {
                    "type": "heatmap",
                    "z": z,
                    "x": [fig.plot_text(c) for c in columns],
                    "y": [fig.plot_text(n) for n in comparison.reports],
                    "text": text,
                    "zmid": 0,
                    "colorscale": fig.DIVERGING,
                    "zmin": -0.5,
                    "zmax": 0.5,
                    "hovertemplate": "%{y} · %{x}: score %{text}, %{z:+.3f} vs holdout<extra></extra>",
                    "colorbar": {"title": {"text": "vs holdout"}},
                }
            ],
            "layout": fig._layout(
                max(200, 90 + 34 * len(comparison.reports)),
                xaxis={"type": "category", "automargin": True},
                yaxis={"type": "category", "automargin": True, "autorange": "reversed"},
            ),
        }
        caption = "score minus the holdout's score per column (red: worse than fresh real data)"
        if len(worst.dropna()) > MAX_COLUMNS:
            caption += f"; the {MAX_COLUMNS} columns that differ most"
        panels.append({"title": metric, "caption": caption, "figure": figure})
    return panels


def build_context(comparison, *, cdn: bool = False) -> dict[str, Any]:
    store = _FigureStore()
    board = comparison.leaderboard
    reports = comparison.reports
    first = next(iter(reports.values()))
    profile = comparison.profile
    choice = comparison.choice
    rows = []
    for name, row in board.iterrows():
        report = reports[name]
        reading = report.profile_reading
        profile_cell = None
        if reading is not None:
            profile_cell = {
                "score": reading.summary["overall"],
                "baseline": reading.summary_baseline["overall"],
                "ci": reading.intervals["overall"],
                "verdict": SHORT[reading.verdict] or "not measured",
                "tone": TONES[reading.verdict],
                "reasons": reading.reasons(),
                "neutral_rank": int(row["neutral_rank"]),
            }
        families = []
        for f in FAMILIES:
            text, _, tone = wording(*report.reading(f))
            families.append(
                {
                    "name": f,
                    "score": report.summary[f],
                    "baseline": report.summary_baseline[f],
                    "ci": report.summary_intervals[f],
                    "tone": tone,
                    "verdict": text,
                }
            )
        rows.append(
            {
                "name": name,
                "rank": int(row["rank"]),
                "tied_with": list(row["tied_with"]),
                "families": families,
                "failed": int(row["failed"]),
                "problems": [m for m in report.metrics if m.status == "error"],
                "profile": profile_cell,
                "chosen": name in choice["candidates"],
            }
        )
    metric_rows = []
    for m in first.metrics:
        cells, scores = [], []
        for report in reports.values():
            r = next((x for x in report.metrics if x.name == m.name), None)
            cells.append(r)
            scores.append(r.score if r is not None and r.status == "ok" else None)
        present = [s for s in scores if s is not None]
        best = max(present) if present else None
        metric_rows.append(
            {
                "name": m.name,
                "family": m.family,
                "baseline": m.baseline,
                "cells": cells,
                "best": [s is not None and len(present) > 1 and s == best for s in scores],
            }
        )
    tradeoffs = _tradeoff_panels(comparison, choice["candidates"])
    for k, panel in enumerate(tradeoffs):
        panel.update(anchor=f"c-t{k + 1}", fig_id=store.add(panel["figure"]), shape=None, key=None)
    panels = [
        {
            "title": "family scores",
            "caption": "bars: each candidate, with its range; ticks: the holdout baseline",
            "figure": _family_figure(comparison),
        }
    ] + _column_heatmaps(comparison)
    for k, panel in enumerate(panels):
        panel.update(anchor=f"c-p{k + 1}", fig_id=store.add(panel["figure"]), shape=None, key=None)
    return {
        "comparison": comparison,
        "profile": profile,
        "choice": choice,
        "tradeoffs": tradeoffs,
        "tradeoff_rule": TRADEOFF_RULE,
        "rows": rows,
        "metric_rows": metric_rows,
        "names": list(reports),
        "first": first,
        "data": first.data or {},
        "config": first.config or {},
        "manifest": first.manifest or {},
        "panels": panels,
        "figures_json": script_json(store.figures),
        "n_figures": len(store.figures),
        "plotly_packed": _packed_plotly() if not cdn and store.figures else None,
        "plotly_cdn": CDN_URL.format(version=_plotly_version()) if cdn and store.figures else None,
        "styles": _asset("report.css"),
        "script": _asset("report.js"),
        "rule": first.summary_details.get("rule", ""),
    }


def render_comparison(comparison, *, cdn: bool = False) -> str:
    """The HTML page of a comparison (self-contained unless ``cdn``)."""
    return _environment().get_template("compare.html.j2").render(**build_context(comparison, cdn=cdn))
