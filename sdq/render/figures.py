"""Figures of the HTML report, built from a metric's ``details`` only, chosen by their shape.

Every builder takes a metric's ``details`` (a JSON-safe dict) and the shape they have
(:mod:`sdq.shapes`), and returns a list of *panels*, worst first where that has a meaning::

    {"key": "age", "title": "age", "caption": "score 0.985, holdout 0.978",
     "score": 0.985, "baseline": 0.978, "figure": {"data": [...], "layout": {...}},
     "shape": None, "fold": False}

``shape`` asks for a narrower box (``"square"``, ``"compact"``), ``fold`` for a place among the
panels shown only on request. ``figure`` is a plain plotly figure dict (no plotly graph objects:
building them is slow and their JSON is large). ``key`` names what the panel shows (a column, a model, ``None`` for the
metric as a whole) so that the report can link to it. Text that plotly draws goes through
:func:`plot_text`, since plotly reads a few HTML-like tags in strings; numbers are rounded to
:data:`DIGITS` significant digits to keep the report small. Builders accept missing keys: what
is not in ``details`` is not drawn.

:data:`BUILDERS` maps shape names to builders: a metric's figures are those of its shape (or of the
nearest shape it refines: ``column_statistics`` is drawn as ``per_column``), never chosen by the
metric's name, so a new metric of a known shape is drawn with no edit here. ``scalars`` has no
figure (the report shows its numbers as a table). :data:`EXTRAS` holds optional metric-specific
figures by the name a metric gives in ``extras``; none of sdq's metrics needs one today.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from typing import Any, Callable, Iterable, Mapping

from sdq.shapes import Shape, as_shape, infer

__all__ = [
    "BUILDERS",
    "EXTRAS",
    "DIGITS",
    "COLORS",
    "panels_for",
    "result_panels",
    "builder_for",
    "column_panels",
    "column_figures",
    "plot_text",
    "column_scores",
]

Panel = dict[str, Any]
Builder = Callable[[Mapping[str, Any], Shape], list[Panel]]

#: Significant digits of every number written into a figure.
DIGITS = 4
#: One colour per data set, the same in every figure.
COLORS = {"real": "#2b6cb0", "holdout": "#8a94a6", "synthetic": "#dd6b20"}
DATASETS = ("real", "holdout", "synthetic")
LABELS = {"real": "real", "holdout": "holdout", "synthetic": "synthetic"}
#: Negative (red: dependence lost or reversed) to positive (blue), white at 0.
DIVERGING = [[0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"], [1, "#2166ac"]]


# -- helpers -----------------------------------------------------------------------------------
def plot_text(value: Any) -> str:
    """``value`` as text that plotly shows literally (it reads tags such as ``<b>`` in strings)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _num(value: Any) -> float | None:
    """A finite float rounded to :data:`DIGITS` significant digits, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return float(f"{value:.{DIGITS}g}")


def _nums(values: Any) -> list[float | None]:
    return [_num(v) for v in values] if isinstance(values, (list, tuple)) else []


def _list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _fmt(value: Any) -> str:
    number = _num(value)
    return "—" if number is None else f"{number:.3f}"


def _caption(score: Any, baseline: Any, what: str = "score") -> str:
    text = f"{what} {_fmt(score)}"
    return text + (f" · holdout {_fmt(baseline)}" if _num(baseline) is not None else "")


def _gap(score: Any, baseline: Any) -> float:
    """How far below its baseline (or below 1) a score is: the sort key of "worst first"."""
    s, b = _num(score), _num(baseline)
    if s is None:
        return -math.inf
    return (b if b is not None else 1.0) - s


def _layout(height: int = 280, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {"height": height}
    layout.update(extra)
    return layout


def _panel(
    figure: dict, title: str, key: Any = None, caption: str | None = None, score: Any = None, baseline: Any = None
) -> Panel:
    return {
        "key": key,
        "title": str(title),
        "caption": caption,
        "score": _num(score),
        "baseline": _num(baseline),
        "figure": figure,
        "shape": None,
        "fold": False,
    }


def column_scores(details: Mapping[str, Any], shape: Shape | None = None) -> list[dict[str, Any]]:
    """Per-column ``{"column", "score", "baseline"}`` of a metric's details, read through their
    shape (:meth:`sdq.shapes.Shape.column_scores`; inferred when not given), worst first; columns
    without a numeric score are left out."""
    shape = infer(details) if shape is None else shape
    rows = []
    for entry in shape.column_scores(details):
        if _num(entry.score) is None:
            continue
        rows.append({"column": entry.column, "score": _num(entry.score), "baseline": _num(entry.baseline)})
    return sorted(rows, key=lambda r: -_gap(r["score"], r["baseline"]))


# -- figure kinds --------------------------------------------------------------------------------
_INTERVAL = re.compile(r"^\[(.+), (.+)[)\]]$")


def _edge(text: str) -> tuple[float, Any, bool] | None:
    """A bin edge as (position in axis units, value for the axis, is a date), or None."""
    try:
        value = float(text)
        return value, _num(value), False
    except ValueError:
        pass
    try:
        stamp = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=_dt.timezone.utc)
    return stamp.timestamp() / 86400.0, text, True


def _intervals(labels: list[str]) -> tuple[list[int], list[tuple]] | None:
    """Positions and edges of the bins written ``[a, b)`` (numbers or dates), if they are at least
    two, contiguous and increasing; None otherwise (the bins are categories or values)."""
    positions, edges = [], []
    for i, label in enumerate(labels):
        match = _INTERVAL.match(label)
        if not match:
            continue
        lo, hi = _edge(match.group(1)), _edge(match.group(2))
        if lo is None or hi is None or hi[0] <= lo[0] or (edges and edges[-1][1][0] != lo[0]):
            return None
        positions.append(i)
        edges.append((lo, hi))
    return (positions, edges) if len(positions) >= 2 else None


def _short(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def distribution_figure(
    labels: Iterable[Any], shares: Mapping[str, Any], *, x_title: str = "", height: int = 260
) -> dict[str, Any]:
    """The distribution of one column in real, holdout and synthetic data, on the shared bins.

    Bins written as intervals (``[a, b)``: numbers or dates) are drawn as a histogram, the share
    of rows per unit (per day for dates) as steps, so quantile bins of unequal widths show the
    shape; other bins (categories, values) as grouped bars of the share of rows. Bins empty in
    every data set (e.g. "(missing)" when nothing is missing) are left out; the shares that fall
    outside the intervals are in :func:`outside_intervals`."""
    labels = [str(v) for v in labels]
    series = {name: _nums(shares.get(name)) for name in DATASETS if len(_list(shares.get(name))) == len(labels)}
    intervals = _intervals(labels)
    if intervals is not None:
        positions, edges = intervals
        is_date = edges[0][0][2]
        xs = [lo[1] for lo, _ in edges] + [edges[-1][1][1]]
        data = []
        for name, values in series.items():
            share = [values[i] or 0.0 for i in positions]
            density = [_num(v / (hi[0] - lo[0])) for v, (lo, hi) in zip(share, edges)]
            trace = {
                "type": "scatter",
                "mode": "lines",
                "name": LABELS[name],
                "x": xs,
                "y": density + density[-1:],
                "line": {
                    "shape": "hv",
                    "color": COLORS[name],
                    "width": 2.5 if name == "synthetic" else 1.5,
                    "dash": "dot" if name == "holdout" else "solid",
                },
                "customdata": [_num(v) for v in share] + [None],
                "hovertemplate": "from %{x}: %{customdata:.1%} of rows<extra>" + name + "</extra>",
            }
            if name == "real":
                trace.update(fill="tozeroy", fillcolor="rgba(43,108,176,0.15)")
            data.append(trace)
        axis = {"type": "date" if is_date else "linear", "title": {"text": plot_text(x_title)}}
        unit = "day" if is_date else "unit"
        return {
            "data": data,
            "layout": _layout(
                height, xaxis=axis, yaxis={"title": {"text": f"share per {unit}"}, "rangemode": "tozero"}
            ),
        }
    keep = [i for i in range(len(labels)) if any((s[i] or 0) > 0 for s in series.values())] or list(range(len(labels)))
    names = [plot_text(labels[i]) for i in keep]
    data = [
        {
            "type": "bar",
            "name": LABELS[name],
            "x": names,
            "y": [values[i] for i in keep],
            "marker": {"color": COLORS[name]},
            "hovertemplate": "%{x}: %{y:.1%}<extra>" + name + "</extra>",
        }
        for name, values in series.items()
    ]
    xaxis = {"type": "category", "title": {"text": plot_text(x_title)}, "automargin": True}
    if any(len(labels[i]) > 16 for i in keep):
        xaxis.update(tickmode="array", tickvals=names, ticktext=[plot_text(_short(labels[i])) for i in keep])
    return {
        "data": data,
        "layout": _layout(
            height,
            barmode="group",
            bargap=0.15,
            xaxis=xaxis,
            yaxis={"tickformat": ".0%", "title": {"text": "share of rows"}},
        ),
    }


def outside_intervals(labels: Iterable[Any], shares: Mapping[str, Any]) -> str | None:
    """For bins drawn as a histogram: the shares in the other bins (missing, below or above the
    real range), e.g. ``"(missing): real 2.0%, synthetic 5.1%"``; None if there are none."""
    labels = [str(v) for v in labels]
    intervals = _intervals(labels)
    if intervals is None:
        return None
    parts = []
    for i, label in enumerate(labels):
        if i in intervals[0]:
            continue
        values = [
            (name, _list(shares.get(name))[i]) for name in DATASETS if len(_list(shares.get(name))) == len(labels)
        ]
        values = [(n, v) for n, v in values if isinstance(v, (int, float)) and v > 0]
        if values:
            parts.append(f"{label}: " + ", ".join(f"{n} {v:.1%}" for n, v in values))
    return "; ".join(parts) or None


def histogram_panels(details: Mapping[str, Any]) -> list[Panel]:
    """One distribution per column (``details.columns[*]``: labels, real, synthetic, holdout), worst first."""
    panels = []
    for entry in _list(details.get("columns")):
        if not isinstance(entry, Mapping) or not _list(entry.get("labels")) or not _list(entry.get("real")):
            continue
        fig = distribution_figure(entry["labels"], entry)
        caption = _caption(entry.get("score"), entry.get("baseline"), "overlap")
        outside = outside_intervals(entry["labels"], entry)
        panels.append(
            _panel(
                fig,
                entry.get("column", ""),
                key=str(entry.get("column", "")),
                caption=caption + (f" · outside the bins: {outside}" if outside else ""),
                score=entry.get("score"),
                baseline=entry.get("baseline"),
            )
        )
    return sorted(panels, key=lambda p: -_gap(p["score"], p["baseline"]))


def single_histogram_panels(details: Mapping[str, Any], *, title: str, axis: str = "") -> list[Panel]:
    """One distribution (``details.histogram``: labels and the shares per data set), e.g. of
    sequence lengths."""
    hist = _dict(details.get("histogram"))
    if not _list(hist.get("labels")):
        return []
    return [_panel(distribution_figure(hist["labels"], hist, x_title=axis), title)]


def column_score_figure(rows: list[dict[str, Any]], what: str = "score") -> dict[str, Any]:
    """Horizontal bars of per-column scores (synthetic, and the holdout where known), worst on top."""
    names = [plot_text(r["column"]) for r in rows]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": "synthetic",
            "y": names,
            "x": [r["score"] for r in rows],
            "marker": {"color": COLORS["synthetic"]},
            "hovertemplate": "%{y}: %{x:.3f}<extra>synthetic</extra>",
        }
    ]
    if any(r["baseline"] is not None for r in rows):
        data.insert(
            0,
            {
                "type": "bar",
                "orientation": "h",
                "name": "holdout (baseline)",
                "y": names,
                "x": [r["baseline"] for r in rows],
                "marker": {"color": COLORS["holdout"]},
                "hovertemplate": "%{y}: %{x:.3f}<extra>holdout</extra>",
            },
        )
    return {
        "data": data,
        "layout": _layout(
            max(180, 60 + 26 * len(rows)),
            barmode="group",
            xaxis={"range": [0, 1], "title": {"text": plot_text(what)}},
            yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        ),
    }


def column_score_panels(details: Mapping[str, Any], worst: int = 15, shape: Shape | None = None) -> list[Panel]:
    """Per-column scores against the holdout's, worst on top; with more than ``worst`` columns, the
    worst of them, and all of them in a second, folded panel."""
    rows = column_scores(details, shape)
    if len(rows) <= worst + 5:
        return [_panel(column_score_figure(rows), "score per column")] if rows else []
    return [
        _panel(column_score_figure(rows[:worst]), f"score per column: the {worst} worst of {len(rows)}"),
        {**_panel(column_score_figure(rows), f"score per column: all {len(rows)}"), "fold": True},
    ]


def rule_share_figure(entries: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Horizontal bars of the share of rows that keep each rule, per data set, worst on top."""
    names = [plot_text(e.get("column", "")) for e in entries]
    shown = [name for name in DATASETS if any(_num(_dict(e.get("shares")).get(name)) is not None for e in entries)]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": LABELS[name],
            "y": names,
            "x": [_num(_dict(e.get("shares")).get(name)) for e in entries],
            "marker": {"color": COLORS[name]},
            "hovertemplate": f"%{{y}}: %{{x:.2%}}<extra>{name}</extra>",
        }
        for name in shown
    ]
    values = [v for d in data for v in d["x"] if v is not None]
    low = min(values, default=0.0)
    return {
        "data": data,
        "layout": _layout(
            max(180, 60 + 30 * len(entries)),
            barmode="group",
            xaxis={
                "range": [max(0.0, low - 0.05 * (1.0 - low) - 0.001), 1.0],
                "tickformat": ".1%",
                "title": {"text": "share of the rows it applies to that keep the rule"},
            },
            yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        ),
    }


def rule_panels(details: Mapping[str, Any], worst: int = 15) -> list[Panel]:
    """Per rule, the share of rows that keep it in each data set, the rules furthest below their
    baseline on top (rules that were not scored last); with many rules, the worst of them and,
    folded, all of them."""
    entries = [e for e in _list(details.get("columns")) if isinstance(e, Mapping) and "column" in e]
    if not entries:
        return []
    entries.sort(key=lambda e: -_gap(e.get("score"), e.get("baseline")))
    if len(entries) <= worst + 5:
        return [_panel(rule_share_figure(entries), "share of rows that keep each rule")]
    return [
        _panel(
            rule_share_figure(entries[:worst]),
            f"share of rows that keep each rule: the {worst} worst of {len(entries)}",
        ),
        {**_panel(rule_share_figure(entries), f"share of rows that keep each rule: all {len(entries)}"), "fold": True},
    ]


def relation_panels(details: Mapping[str, Any], column: str, *, what: str) -> list[Panel]:
    """One column's row of a pairwise matrix: its association with every other scored column, in
    the real, holdout and synthetic data (bars side by side, the largest synthetic − real gap first)."""
    columns = [str(c) for c in _list(details.get("columns"))]
    matrices = {k: _list(v) for k, v in _dict(details.get("matrices")).items() if k in DATASETS}
    if column not in columns or "real" not in matrices or "synthetic" not in matrices:
        return []
    i = columns.index(column)
    rows = {name: _list(m[i]) if i < len(m) else [] for name, m in matrices.items()}
    others = [j for j in range(len(columns)) if j != i and j < len(rows["real"]) and _num(rows["real"][j]) is not None]
    if not others:
        return []
    syn = rows["synthetic"]
    gap = lambda j: abs((_num(syn[j]) if j < len(syn) and _num(syn[j]) is not None else 0.0) - _num(rows["real"][j]))  # noqa: E731
    others.sort(key=lambda j: -gap(j))
    names = [plot_text(columns[j]) for j in others]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": LABELS[name],
            "y": names,
            "x": [_num(rows[name][j]) if j < len(rows[name]) else None for j in others],
            "marker": {"color": COLORS[name]},
            "hovertemplate": f"%{{y}}: %{{x:.3f}}<extra>{name}</extra>",
        }
        for name in DATASETS
        if name in rows
    ]
    layout = _layout(
        max(180, 60 + 30 * len(others)),
        barmode="group",
        xaxis={"title": {"text": plot_text(what)}},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
    )
    return [_panel({"data": data, "layout": layout}, f"{column}: {what} with each other column", key=column)]


def heatmap_panels(details: Mapping[str, Any], *, signed: bool, what: str, max_columns: int = 60) -> list[Panel]:
    """One heatmap of a pairwise matrix with buttons: synthetic − real (shown first), holdout − real,
    real, synthetic, holdout. Matrices come from ``details.matrices``; pairs not scored are gaps.

    With more than ``max_columns`` columns, the columns with the largest differences are kept (the
    caption says so), so the figure stays readable and small."""
    columns = [str(c) for c in _list(details.get("columns"))]
    matrices = {
        k: v for k, v in _dict(details.get("matrices")).items() if k in DATASETS and len(_list(v)) == len(columns)
    }
    if not columns or "real" not in matrices or "synthetic" not in matrices:
        return []
    n = len(columns)

    def cell(name: str, i: int, j: int) -> float | None:
        row = _list(matrices[name][i])
        return _num(row[j]) if j < len(row) else None

    def diff(name: str, i: int, j: int) -> float | None:
        a, b = cell(name, i, j), cell("real", i, j)
        return None if a is None or b is None or i == j else _num(a - b)

    keep = list(range(n))
    caption = None
    if n > max_columns:
        spread = [max((abs(diff("synthetic", i, j) or 0.0) for j in range(n)), default=0.0) for i in range(n)]
        keep = sorted(sorted(range(n), key=lambda i: -spread[i])[:max_columns])
        caption = f"the {max_columns} of {n} columns with the largest differences"
    labels = [plot_text(columns[i]) for i in keep]
    ticks = {"tickmode": "array", "tickvals": labels, "ticktext": [plot_text(_short(columns[i], 20)) for i in keep]}
    views = [("synthetic − real", lambda i, j: diff("synthetic", i, j), True)]
    if "holdout" in matrices:
        views.append(("holdout − real", lambda i, j: diff("holdout", i, j), True))
    views += [(name, functools.partial(cell, name), False) for name in DATASETS if name in matrices]
    z = {title: [[fn(i, j) for j in keep] for i in keep] for title, fn, _ in views}
    limit = max(
        [abs(v) for title, _, is_diff in views if is_diff for row in z[title] for v in row if v is not None] + [0.05]
    )
    limit = _num(limit)
    data = []
    for k, (title, _, is_diff) in enumerate(views):
        trace = {
            "type": "heatmap",
            "name": title,
            "x": labels,
            "y": labels,
            "z": z[title],
            "visible": k == 0,
            "hoverongaps": False,
            "xgap": 1,
            "ygap": 1,
            "hovertemplate": "%{y} × %{x}<br>" + title + ": %{z:.3f}<extra></extra>",
            "colorbar": {"title": {"text": title}, "thickness": 12},
        }
        if is_diff:
            trace.update(colorscale=DIVERGING, zmid=0, zmin=-limit, zmax=limit)
        elif signed:
            trace.update(colorscale=DIVERGING, zmid=0, zmin=-1, zmax=1)
        else:
            trace.update(colorscale="Blues", zmin=0, zmax=1)
        data.append(trace)
    buttons = [
        {"label": title, "method": "update", "args": [{"visible": [i == k for i in range(len(views))]}]}
        for k, (title, _, _) in enumerate(views)
    ]
    size = max(420, min(900, 200 + 28 * len(keep)))
    layout = _layout(
        size,
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "buttons": buttons,
                "x": 0,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "bottom",
                "pad": {"b": 6},
                "showactive": True,
            }
        ],
        margin={"t": 50},
        xaxis={"type": "category", "automargin": True, "tickangle": -45 if len(keep) <= 20 else -90, **ticks},
        yaxis={"type": "category", "automargin": True, "autorange": "reversed", **ticks},
    )
    panel = _panel({"data": data, "layout": layout}, f"{what}: synthetic and holdout against real", caption=caption)
    panel["shape"] = "square"
    return [panel]


def correlogram_panels(
    details: Mapping[str, Any], *, partial: bool = False, what: str | None = None, axis: str = "lag"
) -> list[Panel]:
    """Per column, a value at lags 1..L (e.g. the (partial) autocorrelation) of real, holdout and
    synthetic sequences, with the real data's 95% band around 0 (lags inside it are
    indistinguishable from noise). ``what`` names the value (default: the (partial) autocorrelation).

    Positions with names (an entry's ``labels``: months, weekdays, ranges of rows) are drawn by
    name; an entry's ``spread`` (a second value per position and data set) is drawn in a plot of
    its own below the first."""
    what = what or ("partial autocorrelation" if partial else "autocorrelation")
    panels = []
    for entry in _list(details.get("columns")):
        if not isinstance(entry, Mapping) or not _list(entry.get("real")):
            continue
        n = len(entry["real"])
        names = [plot_text(v) for v in _list(entry.get("labels"))]
        lags: list = names if len(names) == n else list(range(1, n + 1))
        hover = "%{x}" if len(names) == n else "lag %{x}"
        spread = {k: _nums(v) for k, v in _dict(entry.get("spread")).items() if k in DATASETS and len(_list(v)) == n}
        below = {"xaxis": "x2", "yaxis": "y2"} if spread else {}
        data = []
        band = _num(entry.get("band"))
        if band is not None:
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": lags + lags[::-1],
                    "y": [band] * n + [-band] * n,
                    "fill": "toself",
                    "fillcolor": "rgba(43,108,176,0.12)",
                    "line": {"width": 0},
                    "name": "95% band (real)",
                    "hoverinfo": "skip",
                }
            )
        for rows, extra, part in ((entry, {}, ""), (spread, below, " (spread)")):
            for name in DATASETS:
                values = _nums(rows.get(name))
                if len(values) != n:
                    continue
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines+markers",
                        "name": LABELS[name] + part,
                        "x": lags,
                        "y": values,
                        "line": {
                            "color": COLORS[name],
                            "width": 2 if name != "holdout" else 1.5,
                            "dash": "dot" if name == "holdout" else "solid",
                        },
                        "marker": {"size": 5},
                        "hovertemplate": hover + ": %{y:.3f}<extra>" + name + part + "</extra>",
                        **extra,
                        **({"showlegend": False} if part else {}),
                    }
                )
        xaxis: dict[str, Any] = {"title": {"text": plot_text(axis)}}
        if len(names) == n:
            xaxis.update(type="category", automargin=True)
        else:
            xaxis.update(dtick=max(1, round(n / 8)), range=[0.5, n + 0.5])
        yaxis = {"title": {"text": plot_text(what)}, "zeroline": True}
        if spread:
            layout = _layout(
                400,
                xaxis={**xaxis, "title": {"text": ""}, "showticklabels": False, "anchor": "y"},
                yaxis={**yaxis, "domain": [0.4, 1]},
                xaxis2={**xaxis, "matches": "x", "anchor": "y2"},
                yaxis2={"title": {"text": "spread"}, "domain": [0, 0.3], "rangemode": "tozero"},
            )
        else:
            layout = _layout(260, xaxis=xaxis, yaxis=yaxis)
        panels.append(
            _panel(
                {"data": data, "layout": layout},
                entry.get("column", ""),
                key=str(entry.get("column", "")),
                caption=_caption(entry.get("score"), entry.get("baseline")),
                score=entry.get("score"),
                baseline=entry.get("baseline"),
            )
        )
    return sorted(panels, key=lambda p: -_gap(p["score"], p["baseline"]))


#: What the ``models`` shape's figures and tables call each training set and the ratio, unless the
#: details name them (``labels``).
MODEL_LABELS = {
    "real": "trained on real (TRTR)",
    "synthetic": "trained on synthetic (TSTR)",
    "holdout": "trained on holdout (half)",
    "ratio": "ratio TSTR / TRTR",
}


def prediction_panels(details: Mapping[str, Any]) -> list[Panel]:
    """Per model: the holdout score of models trained on real (TRTR), synthetic (TSTR) and holdout
    rows; beside it the chance-adjusted ratio TSTR / TRTR with its interval and the holdout's ratio."""
    key_name = str(details.get("score_name") or "score")
    name = plot_text(key_name)
    models = [m for m in _list(details.get("models")) if isinstance(m, Mapping) and m.get("model") is not None]
    if not models:
        return []
    labels = [plot_text(m["model"]) for m in models]
    named = {**MODEL_LABELS, **{k: str(v) for k, v in _dict(details.get("labels")).items()}}
    sources = [
        ("real", "trtr", plot_text(named["real"])),
        ("synthetic", "tstr", plot_text(named["synthetic"])),
        ("holdout", "baseline", plot_text(named["holdout"])),
    ]
    data = []
    for data_set, key, label in sources:
        values = [_num(_dict(m.get(key)).get(key_name)) for m in models]
        if any(v is not None for v in values):
            data.append(
                {
                    "type": "bar",
                    "name": label,
                    "x": labels,
                    "y": values,
                    "marker": {"color": COLORS[data_set]},
                    "hovertemplate": "%{x}: " + name + " %{y:.3f}<extra>" + data_set + "</extra>",
                }
            )
    ratios = [_num(m.get("ratio")) for m in models]
    ratio_range = [0.0, 1.05]
    if any(r is not None for r in ratios):
        ci = [_list(m.get("ci")) for m in models]
        upper = [
            max(0.0, _num(c[1]) - r) if len(c) == 2 and r is not None and _num(c[1]) is not None else None
            for c, r in zip(ci, ratios)
        ]
        lower = [
            max(0.0, r - _num(c[0])) if len(c) == 2 and r is not None and _num(c[0]) is not None else None
            for c, r in zip(ci, ratios)
        ]
        # ratios are not clipped (a model worse than chance is below 0, one better than the real
        # model above 1): the axis shows them all
        shown = [v for v in ratios if v is not None] + [
            v for c in ci if len(c) == 2 for v in (_num(c[0]), _num(c[1])) if v is not None
        ]
        ratio_range = [min(0.0, min(shown, default=0.0)) - 0.05, max(1.0, max(shown, default=1.0)) + 0.05]
        data.append(
            {
                "type": "bar",
                "name": plot_text(named["ratio"]),
                "x": labels,
                "y": ratios,
                "xaxis": "x2",
                "yaxis": "y2",
                "marker": {"color": COLORS["synthetic"]},
                "showlegend": False,
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [_num(u) for u in upper],
                    "arrayminus": [_num(v) for v in lower],
                    "color": "#444",
                },
                "hovertemplate": "%{x}: ratio %{y:.3f}<extra>synthetic</extra>",
            }
        )
        base = [_num(_dict(m.get("baseline")).get("ratio")) for m in models]
        if any(b is not None for b in base):
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": "holdout ratio",
                    "x": labels,
                    "y": base,
                    "xaxis": "x2",
                    "yaxis": "y2",
                    "marker": {"symbol": "line-ew-open", "size": 28, "color": "#1f2328", "line": {"width": 3}},
                    "hovertemplate": "%{x}: holdout ratio %{y:.3f}<extra></extra>",
                }
            )
    layout = _layout(
        300,
        barmode="group",
        xaxis={"domain": [0, 0.55], "type": "category"},
        yaxis={"title": {"text": f"{name} on real test rows"}, "rangemode": "tozero"},
        xaxis2={"domain": [0.68, 1], "type": "category", "anchor": "y2"},
        yaxis2={"anchor": "x2", "range": ratio_range, "title": {"text": "ratio (1 = as good as real)"}},
    )
    return [_panel({"data": data, "layout": layout}, f"models: {key_name} and {named['ratio']}")]


def importance_panels(
    details: Mapping[str, Any],
    *,
    measure: str = "drop of the score when shuffled",
    agreement: str = "top-k agreement",
) -> list[Panel]:
    """Per model: the importance of every feature (``measure``) for the models trained on real,
    holdout and synthetic rows, features in the real model's order (most important on top); the
    caption gives the ``agreement``."""
    features = [str(f) for f in _list(details.get("features"))]
    panels = []
    for model in _list(details.get("models")):
        if not isinstance(model, Mapping) or not features:
            continue
        real = _dict(model.get("real"))
        order = [f for f in _list(real.get("ranking")) if f in features] or features
        index = {f: i for i, f in enumerate(features)}
        data = []
        for name in DATASETS:
            values = _list(_dict(model.get(name)).get("importance"))
            if len(values) != len(features):
                continue
            data.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": LABELS[name],
                    "y": [plot_text(f) for f in order],
                    "x": [_num(values[index[f]]) for f in order],
                    "marker": {"color": COLORS[name]},
                    "hovertemplate": "%{y}: %{x:.4f}<extra>" + name + "</extra>",
                }
            )
        if not data:
            continue
        fig = {
            "data": data,
            "layout": _layout(
                max(240, 90 + 30 * len(order)),
                barmode="group",
                bargap=0.2,
                xaxis={"title": {"text": plot_text(measure)}},
                yaxis={"type": "category", "autorange": "reversed", "automargin": True},
            ),
        }
        caption = f"{agreement} {_fmt(model.get('score'))} · holdout {_fmt(model.get('baseline'))}"
        if _num(model.get("spearman")) is not None:
            caption += f" · rank correlation {_fmt(model.get('spearman'))}"
        panels.append(
            _panel(
                fig,
                str(model.get("model", "")),
                key=str(model.get("model", "")),
                caption=caption,
                score=model.get("score"),
                baseline=model.get("baseline"),
            )
        )
    return panels


def _binned_shares(
    edges: list, counts: Mapping[str, Any], names: Iterable[str], *, x_title: str, open_last: bool
) -> dict[str, Any]:
    """Bars of the share per bin for several data sets; ``edges`` are left edges (plus the right
    edge of the last bin unless ``open_last``)."""
    lefts = [e for e in _nums(edges) if e is not None]
    data = []
    for name in names:
        values = [c if isinstance(c, (int, float)) else 0 for c in _list(counts.get(name))]
        n_bins = len(lefts) if open_last else len(lefts) - 1
        if not values or len(values) != n_bins or n_bins < 1:
            continue
        total = sum(values) or 1
        last = lefts[-1] - lefts[-2] if len(lefts) > 1 else 1.0  # the open last bin: as wide as the one before
        widths = [(lefts[i + 1] - lefts[i]) if i + 1 < len(lefts) else last for i in range(n_bins)]
        data.append(
            {
                "type": "bar",
                "name": LABELS.get(name, name),
                "x": [_num(lefts[i] + widths[i] / 2) for i in range(n_bins)],
                "y": [_num(v / total) for v in values],
                "marker": {"color": COLORS.get(name, "#555")},
                "customdata": [[_num(lefts[i]), _num(lefts[i] + widths[i])] for i in range(n_bins)],
                "hovertemplate": "%{customdata[0]} to %{customdata[1]}: %{y:.1%}<extra>" + name + "</extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            280,
            barmode="group",
            bargap=0.1,
            xaxis={"title": {"text": x_title}},
            yaxis={"tickformat": ".0%", "title": {"text": "share of rows"}},
        ),
    }


def qscore_panels(details: Mapping[str, Any]) -> list[Panel]:
    """The distribution of query errors (0 = same answer as on real data) for synthetic and holdout."""
    fig = _binned_shares(
        _list(details.get("error_bins")),
        _dict(details.get("error_counts")),
        ("holdout", "synthetic"),
        x_title="error of a query (0 = the real answer, 1 = as far off as can be)",
        open_last=False,
    )
    return [_panel(fig, "errors of the queries")] if fig["data"] else []


def dcr_panels(details: Mapping[str, Any]) -> list[Panel]:
    """Distances to the closest training row of synthetic and holdout rows, with the "too close" threshold."""
    fig = _binned_shares(
        _list(details.get("dcr_bins")),
        _dict(details.get("dcr_counts")),
        ("holdout", "synthetic"),
        x_title="distance to the closest training row (the last bin is open-ended)",
        open_last=True,
    )
    if not fig["data"]:
        return []
    threshold = _num(details.get("threshold"))
    if threshold is not None:
        fig["layout"]["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": threshold,
                "x1": threshold,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#c53030", "dash": "dash", "width": 1.5},
            }
        ]
        fig["layout"]["annotations"] = [
            {
                "x": threshold,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "showarrow": False,
                "text": "too close",
                "xanchor": "left",
                "yanchor": "top",
                "font": {"color": "#c53030"},
            }
        ]
    return [_panel(fig, "distance to the closest record (DCR)")]


def roc_panels(details: Mapping[str, Any]) -> list[Panel]:
    """ROC curves of the membership-inference attacks, with the coin-flip diagonal."""
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": [0, 1],
            "y": [0, 1],
            "name": "coin flip",
            "line": {"color": "#999", "dash": "dash", "width": 1},
            "hoverinfo": "skip",
        }
    ]
    palette = [COLORS["synthetic"], "#805ad5", "#2f855a", "#b7791f"]
    for k, (attack, info) in enumerate(_dict(details.get("attacks")).items()):
        roc = _dict(_dict(info).get("roc"))
        fpr, tpr = _nums(roc.get("fpr")), _nums(roc.get("tpr"))
        if not fpr or len(fpr) != len(tpr):
            continue
        label = f"{plot_text(attack)} (AUC {_fmt(_dict(info).get('auc'))})"
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": label,
                "x": fpr,
                "y": tpr,
                "line": {"color": palette[k % len(palette)], "width": 2, "shape": "hv"},
                "hovertemplate": "false positives %{x:.2f}, true positives %{y:.2f}<extra></extra>",
            }
        )
    if len(data) == 1:
        return []
    layout = _layout(
        400,
        xaxis={"title": {"text": "false-positive rate (holdout rows called members)"}, "range": [0, 1]},
        yaxis={"title": {"text": "true-positive rate (training rows found)"}, "range": [0, 1]},
    )
    panel = _panel({"data": data, "layout": layout}, "membership attacks: ROC curves")
    panel["shape"] = "compact"
    return [panel]


def share_panels(details: Mapping[str, Any], *, synthetic: str, holdout: str, what: str) -> list[Panel]:
    """Two bars: a share among synthetic rows and the same share among holdout rows."""
    values = [("holdout", _num(details.get(holdout))), ("synthetic", _num(details.get(synthetic)))]
    values = [(n, v) for n, v in values if v is not None]
    if not any(n == "synthetic" for n, _ in values):
        return []
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": [LABELS[n] for n, _ in values],
            "x": [v for _, v in values],
            "marker": {"color": [COLORS[n] for n, _ in values]},
            "text": [f"{v:.1%}" for _, v in values],
            "textposition": "auto",
            "hovertemplate": "%{y}: %{x:.2%}<extra></extra>",
            "showlegend": False,
        }
    ]
    layout = _layout(
        150,
        xaxis={"tickformat": ".0%", "title": {"text": plot_text(what)}, "rangemode": "tozero"},
        yaxis={"type": "category", "automargin": True},
        margin={"t": 10},
    )
    return [_panel({"data": data, "layout": layout}, what)]


def risk_panels(details: Mapping[str, Any]) -> list[Panel]:
    """Per attack: the success rates on training rows, on holdout rows (the control) and of the
    naive attacker, side by side."""
    risks = {str(k): _dict(v) for k, v in _dict(details.get("risks")).items()}
    names = [k for k, v in risks.items() if _num(v.get("main_rate")) is not None]
    if not names:
        return []
    bars = (
        ("naive attacker", "naive_rate", "#c3cad5"),
        ("holdout rows (control)", "control_rate", COLORS["holdout"]),
        ("training rows", "main_rate", COLORS["synthetic"]),
    )
    data = []
    for label, key, color in bars:
        values = [_num(risks[n].get(key)) for n in names]
        if all(v is None for v in values):
            continue
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": label,
                "y": [plot_text(n) for n in names],
                "x": values,
                "marker": {"color": color},
                "hovertemplate": f"{label}: %{{x:.1%}}<extra></extra>",
            }
        )
    layout = _layout(
        120 + 60 * len(names),
        barmode="group",
        xaxis={"tickformat": ".0%", "title": {"text": "attacks that succeed"}, "rangemode": "tozero"},
        yaxis={"type": "category", "automargin": True},
        margin={"t": 10},
    )
    return [_panel({"data": data, "layout": layout}, "success of the attack on training and holdout rows")]


#: Figure builders by shape name (a shape without one is drawn as the nearest shape it refines).
BUILDERS: dict[str, Builder] = {
    "per_column": lambda d, s: column_score_panels(d, shape=s),
    "distributions": lambda d, s: histogram_panels(d),
    "series": lambda d, s: correlogram_panels(d, what=s.measure, axis=s.axis),
    "rule_checks": lambda d, s: rule_panels(d),
    "histogram": lambda d, s: single_histogram_panels(d, title=s.title, axis=s.axis),
    "pairwise": lambda d, s: heatmap_panels(d, signed=s.signed, what=s.measure),
    "models": lambda d, s: prediction_panels(d),
    "rankings": lambda d, s: importance_panels(
        d,
        measure=getattr(s, "measure", "drop of the score when shuffled"),
        agreement=getattr(s, "agreement", "top-k agreement"),
    ),
    "query_errors": lambda d, s: qscore_panels(d),
    "distances": lambda d, s: dcr_panels(d),
    "attacks": lambda d, s: roc_panels(d),
    "shares": lambda d, s: share_panels(d, synthetic=s.synthetic, holdout=s.holdout, what=s.what),
    "risks": lambda d, s: risk_panels(d),
}
#: Optional metric-specific figures, by the name a metric lists in ``extras`` (drawn after those of its shape).
EXTRAS: dict[str, Callable[[Mapping[str, Any]], list[Panel]]] = {}


def builder_for(shape: Shape) -> Builder | None:
    """The builder of ``shape``: its own, else that of the nearest shape it refines; None if none has one."""
    return next((BUILDERS[name] for name in shape.lineage if name in BUILDERS), None)


def _shape(shape: Shape | str | None, details: Mapping[str, Any]) -> Shape:
    return infer(details) if shape is None else as_shape(shape)


def panels_for(shape: Shape | str | None, details: Mapping[str, Any] | None) -> list[Panel]:
    """The panels of details of ``shape`` (a shape, a shape's name, or None to infer it from the
    details); none for shapes without figures."""
    details = details if isinstance(details, Mapping) else {}
    shape = _shape(shape, details)
    builder = builder_for(shape)
    return builder(details, shape) if builder is not None else []


def result_panels(result: Any) -> list[Panel]:
    """The panels of a metric result: those of its shape, then those of its extras (when known)."""
    details = result.details if isinstance(result.details, Mapping) else {}
    panels = panels_for(result.shape, details)
    extras = result.about.extras if getattr(result, "about", None) is not None else ()
    for name in extras:
        if name in EXTRAS:
            panels += EXTRAS[name](details)
    return panels


def column_panels(shape: Shape | str | None, details: Mapping[str, Any] | None, column: str) -> list[Panel]:
    """The panels of details of ``shape`` that show ``column``: the panels keyed by the column, or
    for pairwise details the column's relations with the others."""
    details = details if isinstance(details, Mapping) else {}
    shape = _shape(shape, details)
    if shape.is_a("pairwise"):
        return relation_panels(details, column, what=getattr(shape, "measure", "association"))
    return [p for p in panels_for(shape, details) if p["key"] == column]


def column_figures(report: Any, column: str) -> list:
    """The panels of one column from every metric that ran, as plotly figures titled with the
    metric (what :meth:`sdq.Report.show` returns)."""
    import plotly.graph_objects as go

    figures = []
    for r in report.metrics:
        if r.status != "ok":
            continue
        for panel in column_panels(r.shape, r.details, column):
            fig = go.Figure(panel["figure"])
            title = f"{r.name}: {panel['title']}" + (f" ({panel['caption']})" if panel.get("caption") else "")
            fig.update_layout(title={"text": plot_text(title)})  # a column's name is drawn as text, never as tags
            figures.append(fig)
    return figures
