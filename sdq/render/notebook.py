"""What sdq shows in a notebook besides the report card (:func:`sdq.render.html.render_summary`):
a figure as a display that survives a static export, and the comparison's leaderboard card.

A plotly figure reaches a notebook as ``application/vnd.plotly.v1+json``, which only a live front
end with plotly's renderer draws (JupyterLab, Notebook 7, VS Code, nteract). A notebook exported
with nbconvert, or read in a static viewer (GitHub, nbviewer), has no such renderer and shows
nothing there. So :func:`figure_bundle` adds ``text/html``: the figure's numbers as a table (one
row per category, bin or lag, a column per trace, each number with a bar in the trace's colour).
Front ends pick the richest type they can draw: the live figure where plotly renders, else the
table. The table is small, needs no network and no JavaScript, and reads the same where a
notebook is untrusted or its HTML sanitised: it has inline styles only (a sanitiser that drops
them leaves a plain table of numbers) and only ``div``, ``span``, ``table``, ``tr``, ``td`` and
``code`` tags, which even nbconvert's sanitised export keeps (it shows ``<th>`` as text).
Embedding plotly.js instead would add megabytes to every output and still show nothing wherever
scripts do not run.

Every piece of text goes through :func:`html.escape`; plotly's own markup in figure text (the
``<br>`` and ``&lt;`` that :func:`sdq.render.figures.plot_text` writes) is read back to plain text
first, so a label shows as plotly draws it.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any, Mapping

from sdq.result.verdict import wording

__all__ = ["PLOTLY_MIME", "MAX_ROWS", "figure_html", "figure_bundle", "plain_text", "comparison_card"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: At most this many rows in a figure's table (every k-th row beyond, and the caption says so).
MAX_ROWS = 40
#: At most this many rows and columns of a heatmap's table.
MAX_CELLS = 20
#: Types a static viewer shows without plotly: where a renderer made one, sdq adds no table.
STATIC_TYPES = ("text/html", "image/svg+xml", "image/png", "image/jpeg")

_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:13px;line-height:1.4;color:inherit;"
_TH = "text-align:left;padding:2px 8px;border-bottom:1px solid rgba(127,127,127,0.4);font-weight:600;"
_TD = "text-align:left;padding:2px 8px;border-bottom:1px solid rgba(127,127,127,0.15);"
_NUM = _TD + "text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;"
_TONES = {"good": "#2f855a", "fair": "#b7791f", "poor": "#c53030", "none": "#8a8f98"}
_PALETTE = ("#2b6cb0", "#8a94a6", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f")
_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.I)
_TAG = re.compile(r"<\s*/?\s*(?:b|i|em|strong|sup|sub|span|a|s|u)\b[^<>]*>", re.I)
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|rgba?\([0-9., ]+\)|[a-zA-Z]{3,20}")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def plain_text(value: Any) -> str:
    """Figure text as plotly draws it: line breaks as spaces, its few tags dropped, entities read."""
    if value is None:
        return ""
    return html.unescape(_TAG.sub("", _BREAK.sub(" ", str(value))))


def _seq(value: Any) -> list | None:
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    return list(value) if isinstance(value, (list, tuple)) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)  # numpy scalars
        except (TypeError, ValueError):
            return None
    value = float(value)
    return value if math.isfinite(value) else None


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def _label(key: Any) -> str:
    number = _number(key) if not isinstance(key, str) else None
    return _fmt(number) if number is not None else plain_text(key)


def _color(trace: Mapping[str, Any], k: int) -> str:
    for part in ("marker", "line"):
        color = (trace.get(part) or {}).get("color") if isinstance(trace.get(part), Mapping) else None
        if isinstance(color, str) and _COLOR.fullmatch(color.strip()):
            return color.strip()
    return _PALETTE[k % len(_PALETTE)]


def _axis_title(layout: Mapping[str, Any], axis: str) -> str:
    """The title of axis ``x``, ``x2``, ``y`` ... of a layout."""
    spec = layout.get(axis[0] + "axis" + axis[1:])
    title = spec.get("title") if isinstance(spec, Mapping) else None
    return plain_text(title.get("text") if isinstance(title, Mapping) else title)


def _bar(value: float | None, scale: float, color: str) -> str:
    if value is None or scale <= 0:
        return ""
    width = 100 * min(1.0, abs(value) / scale)
    opacity = "0.85" if value >= 0 else "0.45"
    return (
        f'<div style="height:6px;width:{width:.1f}%;min-width:1px;background:{color};opacity:{opacity};'
        'border-radius:3px;margin-top:1px;"></div>'
    )


def _thin(rows: list, limit: int) -> tuple[list, str]:
    """At most ``limit`` rows (plus the last): beyond that, one row in k, with a note saying so."""
    if len(rows) <= limit:
        return rows, ""
    step = math.ceil(len(rows) / limit)
    kept = rows[::step]
    note = f"one row in {step} of {len(rows)}"
    if (len(rows) - 1) % step:
        kept.append(rows[-1])
        note += ", and the last"
    return kept, note


def _xy_table(traces: list[tuple[int, Mapping[str, Any]]], layout: Mapping[str, Any], horizontal: bool) -> str:
    """Bar and line traces that share their axes: a row per key (category, bin, lag), a column per trace."""
    keys: dict[str, None] = {}
    columns = []
    axes = ("y", "x") if horizontal else ("x", "y")
    for k, trace in traces:
        values = _seq(trace.get(axes[1]))
        if values is None:
            continue
        labels = _seq(trace.get(axes[0]))
        labels = [_label(key) for key in labels] if labels is not None else [str(i) for i in range(len(values))]
        cells = {}
        for label, value in zip(labels, values):
            keys.setdefault(label, None)
            cells[label] = _number(value)
        columns.append((plain_text(trace.get("name")) or f"trace {k + 1}", _color(trace, k), cells))
    if not columns:
        return ""
    first = traces[0][1]
    key_axis = (first.get("yaxis") or "y") if horizontal else (first.get("xaxis") or "x")
    value_axis = (first.get("xaxis") or "x") if horizontal else (first.get("yaxis") or "y")
    key_title = _axis_title(layout, key_axis)
    value_title = _axis_title(layout, value_axis)
    numbers = [v for _, _, cells in columns for v in cells.values() if v is not None]
    scale = max((abs(v) for v in numbers), default=0.0)
    rows, note = _thin(list(keys), MAX_ROWS)
    head = f'<td style="{_TH}">{_e(key_title)}</td>' + "".join(
        f'<td style="{_TH}text-align:right;"><span style="color:{color};">&#9632;</span> {_e(name)}</td>'
        for name, color, _ in columns
    )
    body = "".join(
        f'<tr><td style="{_TD}">{_e(key)}</td>'
        + "".join(
            f'<td style="{_NUM}min-width:5em;">{_fmt(cells.get(key))}{_bar(cells.get(key), scale, color)}</td>'
            for _, color, cells in columns
        )
        + "</tr>"
        for key in rows
    )
    caption = "; ".join(part for part in (f"values: {value_title}" if value_title else "", note) if part)
    return (
        (f'<div style="opacity:0.75;">{_e(caption)}</div>' if caption else "")
        + f'<table style="border-collapse:collapse;margin:2px 0 6px 0;"><tr>{head}</tr>'
        + f"{body}</table>"
    )


def _heatmap_table(trace: Mapping[str, Any]) -> str:
    """A heatmap's matrix: rows and columns as in the figure, cells tinted by value (blue above 0, red below)."""
    z = [_seq(row) or [] for row in _seq(trace.get("z")) or []]
    if not z:
        return ""
    n_cols = max(len(row) for row in z)
    x = [_label(v) for v in _seq(trace.get("x")) or range(n_cols)]
    y = [_label(v) for v in _seq(trace.get("y")) or range(len(z))]
    values = [[_number(v) for v in row] for row in z]
    scale = max((abs(v) for row in values for v in row if v is not None), default=0.0)
    row_ids, row_note = _thin(list(range(len(values))), MAX_CELLS)
    col_ids, col_note = _thin(list(range(n_cols)), MAX_CELLS)

    def cell(v: float | None) -> str:
        if v is None:
            return f'<td style="{_NUM}">—</td>'
        alpha = 0.6 * abs(v) / scale if scale > 0 else 0.0
        tint = f"rgba(33,102,172,{alpha:.2f})" if v >= 0 else f"rgba(178,24,43,{alpha:.2f})"
        return f'<td style="{_NUM}background:{tint};">{_fmt(v)}</td>'

    head = f'<td style="{_TH}"></td>' + "".join(
        f'<td style="{_TH}text-align:right;">{_e(x[j] if j < len(x) else j)}</td>' for j in col_ids
    )
    body = "".join(
        f'<tr><td style="{_TH}">{_e(y[i] if i < len(y) else i)}</td>'
        + "".join(cell(values[i][j] if j < len(values[i]) else None) for j in col_ids)
        + "</tr>"
        for i in row_ids
    )
    notes = "; ".join(
        part for part in (f"rows: {row_note}" if row_note else "", f"columns: {col_note}" if col_note else "") if part
    )
    name = plain_text(trace.get("name"))
    caption = "; ".join(part for part in (name, notes) if part)
    return (
        (f'<div style="opacity:0.75;">{_e(caption)}</div>' if caption else "")
        + f'<table style="border-collapse:collapse;margin:2px 0 6px 0;"><tr>{head}</tr>'
        + f"{body}</table>"
    )


def _figure_dict(figure: Any) -> dict[str, Any]:
    if hasattr(figure, "to_dict"):
        figure = figure.to_dict()
    return dict(figure) if isinstance(figure, Mapping) else {}


def figure_title(figure: Any) -> str:
    """A figure's title as plain text ('' when it has none)."""
    layout = _figure_dict(figure).get("layout") or {}
    title = layout.get("title")
    return plain_text(title.get("text") if isinstance(title, Mapping) else title)


def figure_html(figure: Any) -> str:
    """A static copy of a plotly figure (a ``plotly.graph_objects.Figure`` or its dict): its title
    and its numbers as tables, pure HTML with inline styles and no script.

    Bar and line traces that share their axes make one table (a row per category, bin or lag, a
    column per trace, each number with a bar in the trace's colour); a heatmap is its matrix;
    other kinds of trace are named with a pointer to the live figure.
    """
    figure = _figure_dict(figure)
    layout = figure.get("layout") if isinstance(figure.get("layout"), Mapping) else {}
    traces = [t for t in figure.get("data") or [] if isinstance(t, Mapping)]
    groups: dict[tuple, list[tuple[int, Mapping[str, Any]]]] = {}
    parts, others = [], []
    for k, trace in enumerate(traces):
        kind = trace.get("type") or "scatter"
        if kind in ("bar", "scatter", "scattergl"):
            horizontal = kind == "bar" and trace.get("orientation") == "h"
            groups.setdefault((trace.get("xaxis") or "x", trace.get("yaxis") or "y", horizontal), []).append((k, trace))
        elif kind == "heatmap":
            parts.append(_heatmap_table(trace))
        else:
            others.append(f"{plain_text(trace.get('name')) or f'trace {k + 1}'} ({kind})")
    parts = [_xy_table(members, layout, key[2]) for key, members in groups.items()] + parts
    if others:
        parts.append(f'<div style="opacity:0.75;">not shown here: {_e(", ".join(others))}</div>')
    title = figure_title(figure)
    return (
        f'<div class="sdq-figure" style="{_FONT}max-width:60rem;margin:4px 0 10px 0;">'
        + (f'<div style="font-weight:600;margin-bottom:2px;">{_e(title)}</div>' if title else "")
        + "".join(p for p in parts if p)
        + '<div style="opacity:0.6;font-size:12px;">The numbers of an interactive plotly figure, shown where it '
        "cannot be drawn (a static copy of the notebook); draw it with <code>fig.show()</code> or "
        "<code>fig.write_html(path)</code>.</div>" + "</div>"
    )


def figure_bundle(figure: Any) -> dict[str, Any]:
    """A figure's mime bundle for a notebook: what plotly's configured renderers make, the plotly
    JSON (``application/vnd.plotly.v1+json``) for live front ends, and :func:`figure_html` as
    ``text/html`` unless a renderer already made a static type (HTML or an image).

    A renderer chosen for plotly (``plotly.io.renderers.default``, e.g. Colab's, which draws with
    HTML) keeps its output; sdq only adds what is missing.
    """
    import plotly.io as pio

    bundle: dict[str, Any] = {}
    if hasattr(figure, "_repr_mimebundle_"):
        bundle.update(figure._repr_mimebundle_() or {})
    fig_dict = _figure_dict(figure)
    if PLOTLY_MIME not in bundle:
        bundle.update(pio.renderers["plotly_mimetype"].to_mimebundle(dict(fig_dict)))
    if not any(kind in bundle for kind in STATIC_TYPES):
        bundle["text/html"] = figure_html(fig_dict)
    bundle["text/plain"] = f"<figure: {figure_title(fig_dict) or 'untitled'}>"
    return bundle


# -- the comparison ------------------------------------------------------------------------------
def _score(value: Any) -> str:
    number = _number(value) if value is not None else None
    return "—" if number is None else f"{number:.3f}"


def _score_bar(score: Any, baseline: Any) -> str:
    s, b = _number(score) if score is not None else None, _number(baseline) if baseline is not None else None
    inner = ""
    if s is not None:
        inner += (
            f'<div style="position:absolute;left:0;top:0;bottom:0;width:{100 * min(1.0, max(0.0, s)):.1f}%;'
            'background:#dd6b20;border-radius:4px;"></div>'
        )
    if b is not None:
        inner += (
            f'<div style="position:absolute;top:-3px;bottom:-3px;left:{100 * min(1.0, max(0.0, b)):.1f}%;'
            'width:2px;background:currentColor;"></div>'
        )
    return (
        '<div style="position:relative;width:100px;height:8px;background:rgba(127,127,127,0.2);border-radius:4px;">'
        f"{inner}</div>"
    )


def comparison_card(comparison: Any) -> str:
    """A compact leaderboard card of a :class:`sdq.engine.compare.Comparison` for notebooks: one
    row per candidate, best first, with its rank, overall score and range, family scores, the
    holdout baseline, its reading, ties and failed metrics; with a profile, the profile's verdict
    and score beside the neutral ones and the profile's choice with its reasons. Inline styles,
    no script."""
    board = comparison.leaderboard
    first = next(iter(comparison.reports.values()))
    data = first.data or {}
    profile = getattr(comparison, "profile", None)
    families = ("fidelity", "utility", "privacy")
    rows = []
    for name, row in board.iterrows():
        report = comparison.reports[name]
        text, _, tone = wording(*report.reading("overall"))
        low, high = _number(row["overall_low"]), _number(row["overall_high"])
        interval = f"{low:.3f} – {high:.3f}" if low is not None and high is not None else "—"
        tied = ", ".join(str(t) for t in row["tied_with"]) or "—"
        failed = int(row["failed"])
        cells = [
            f'<td style="{_NUM}">{int(row["rank"])}</td>',
            f'<td style="{_TD}font-weight:600;">{_e(name)}</td>',
        ]
        if profile is not None:
            _, p_text, p_tone = wording(row["profile_verdict"])
            cells += [
                f'<td style="{_NUM}font-weight:600;">{_score(row["profile_score"])}</td>',
                f'<td style="{_TD}color:{_TONES[p_tone]};">{_e(p_text)}</td>',
            ]
        cells += [
            f'<td style="{_NUM}font-weight:600;">{_score(row["overall"])}</td>',
            f'<td style="{_TD}">{_score_bar(row["overall"], row["baseline_overall"])}</td>',
            f'<td style="{_NUM}">{interval}</td>',
            *(f'<td style="{_NUM}">{_score(row[f])}</td>' for f in families),
            f'<td style="{_NUM}">{_score(row["baseline_overall"])}</td>',
            f'<td style="{_TD}color:{_TONES[tone]};">{_e(text)}</td>',
            f'<td style="{_TD}">{_e(tied)}</td>',
            f'<td style="{_NUM}' + ("color:#c53030;" if failed else "") + f'">{failed}</td>',
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    heads = ["rank", "candidate"]
    if profile is not None:
        heads += [f"{profile.name} score", f"{profile.name} verdict"]
    heads += ["overall", "", "overall range", *families, "holdout", "reading", "tied with", "failed"]
    right = {"rank", "overall", "overall range", *families, "holdout", "failed"}
    if profile is not None:
        right.add(f"{profile.name} score")
    head = "".join(f'<td style="{_TH}' + ("text-align:right;" if h in right else "") + f'">{_e(h)}</td>' for h in heads)
    real = (data.get("real") or {}).get("rows", "—")
    holdout = (data.get("holdout") or {}).get("rows")
    context = f"real {real} rows · " + (f"holdout {holdout} rows" if holdout else "no holdout")
    choice = ""
    if profile is not None:
        found = comparison.choice
        lines = "".join(f'<div style="opacity:0.85;">{_e(line.strip())}</div>' for line in found["why"][1:])
        choice = (
            f'<div style="margin:0 0 6px 0;padding:4px 10px;border-left:4px solid #2b6cb0;">'
            f'<div><span style="font-weight:600;">profile {_e(profile.name)}</span>: {_e(profile.description)}</div>'
            f'<div style="font-weight:600;">its choice: {_e(", ".join(found["candidates"]))}</div>{lines}</div>'
        )
    ranked = (
        f"ranked as {_e(profile.name)} reads the reports (verdict first; fails: a major finding on a metric the "
        "use depends on), the neutral reading beside it"
        if profile is not None
        else "best first"
    )
    return (
        f'<div class="sdq-comparison" style="{_FONT}max-width:72rem;">'
        f'<div style="font-weight:600;font-size:14px;margin-bottom:2px;">sdq comparison of {len(board)} candidates</div>'
        f'<div style="opacity:0.75;margin-bottom:6px;">{_e(context)} · {ranked}; rank: 1 + the candidates '
        "clearly better (ranges apart); tied: ranges overlap · the holdout scores what fresh real data gets</div>"
        f"{choice}"
        f'<table style="border-collapse:collapse;"><tr>{head}</tr>{"".join(rows)}</table>'
        '<div style="opacity:0.7;margin-top:6px;">Metrics side by side: <code>comparison.to_frame()</code>; '
        'trade-off charts, figures and per-column heatmaps: <code>comparison.to_html("comparison.html")</code>.</div>'
        "</div>"
    )
