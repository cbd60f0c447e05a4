"""The HTML report and the notebook summary, rendered with jinja2 from the templates shipped with sdq.

The report is one self-contained file that opens offline: plotly.js from the installed plotly
package is embedded once, gzip-compressed and base64-encoded, and inflated in the browser
(``DecompressionStream``) before the figures are drawn; ``cdn=True`` links plotly.js from its CDN
instead. Figures and tables are built from the metrics' ``details`` only, chosen by the shape each
result declares (:mod:`sdq.render.figures`, :mod:`sdq.render.tables`, :mod:`sdq.shapes`), and each
card's text comes from the result itself (``about``), so a new metric appears without template or
renderer edits, and a report read back from JSON looks like the live one.

Safety: autoescaping is on for every template, so column names, category labels and messages are
shown as text and never run. Figure data go into one ``<script type="application/json">`` block
through :func:`script_json`, which escapes ``<``, ``>`` and ``&`` so no value can close the block.
Real records appear only when the evaluation ran with ``show_records``.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import jinja2
from markupsafe import Markup

from sdq.render import figures as fig
from sdq.render import tables as tab
from sdq.result import EvaluationResult, MetricResult
from sdq.result.verdict import wording

__all__ = [
    "render_report",
    "render_summary",
    "templates_dir",
    "script_json",
    "build_context",
    "data_warnings",
    "profile_view",
]

FAMILY_ORDER = ("fidelity", "utility", "privacy")
FAMILY_QUESTIONS = {
    "fidelity": "Does the synthetic data look like the real data?",
    "utility": "Does it do the same job as the real data?",
    "privacy": "Does it leak the real rows? (higher = safer)",
    "overall": "The mean of the family scores.",
}
#: Panels shown open in a card; the rest are folded (and drawn when opened).
PANELS_SHOWN = 6
CDN_URL = "https://cdn.plot.ly/plotly-{version}.min.js"


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
    env.filters["cell"] = _fmt_cell
    env.filters["pct"] = _pct
    env.filters["slug"] = _slug
    env.filters["settings"] = settings_rows
    return env


def _fmt_score(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


def _fmt_cell(value: Any) -> str:
    """A table cell: integers as they are, floats with 4 significant digits, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else f"{value:.4g}"
    return str(value)


def _pct(value: Any) -> str:
    """A score as a CSS percentage in [0, 100] (for bars)."""
    try:
        return f"{100 * min(1.0, max(0.0, float(value))):.1f}%"
    except (TypeError, ValueError):
        return "0%"


@lru_cache(maxsize=1)
def _packed_plotly() -> str:
    """plotly.min.js of the installed plotly package, gzip-compressed (mtime 0: reproducible), base64."""
    from plotly.offline import get_plotlyjs

    return base64.b64encode(gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


def _plotly_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def _asset(name: str) -> Markup:
    """A CSS or JS file of the templates folder, inlined as it is (it is ours, not data)."""
    text = (templates_dir() / name).read_text(encoding="utf-8")
    if "</" + ("style" if name.endswith(".css") else "script") in text.lower():
        raise ValueError(f"{name} must not contain a closing tag")
    return Markup(text)


def script_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>``, ``&`` (and the JavaScript
    line separators) as ``\\u`` escapes, so no value can end the block or open a comment."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return Markup(text)


def settings_rows(config: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """A report's settings as ``(name, value)`` rows: lists joined with commas, and mappings (the
    metrics' parameters) one row per entry, named with dots (``metric_params.mean_match.tolerance``);
    an empty mapping has no row."""
    rows: list[tuple[str, Any]] = []

    def walk(key: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{key}.{k}", v)
        elif isinstance(value, (list, tuple)):
            rows.append((key, ", ".join(str(v) for v in value)))
        else:
            rows.append((key, value))

    for key, value in (config or {}).items():
        walk(str(key), value)
    return rows


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-") or "x"


# -- readings ------------------------------------------------------------------------------------
def _families(report: EvaluationResult) -> list[dict[str, Any]]:
    summary, baseline, intervals = report.summary, report.summary_baseline, report.summary_intervals
    rows = []
    for name in (*FAMILY_ORDER, "overall"):
        decided, findings = report.reading(name)
        text, _, tone = wording(decided, findings)
        rows.append(
            {
                "name": name,
                "score": summary[name],
                "baseline": baseline[name],
                "ci": intervals[name],
                "verdict": text,
                "tone": tone,
                "question": FAMILY_QUESTIONS[name],
                "mean": None,
            }
        )
    rows[FAMILY_ORDER.index("privacy")]["mean"] = report.summary_details.get("privacy_mean")
    return rows


def profile_view(report: EvaluationResult) -> dict[str, Any] | None:
    """What the report header and the notebook card show of the report's use-case profile: its
    name and need, its verdict, score and range beside the neutral ones, the reasons, its family
    verdicts and what it names but the report does not measure (None without a profile)."""
    reading = getattr(report, "profile_reading", None)
    if reading is None:
        return None
    text, short, tone = wording(reading.verdict)
    neutral_text = wording(reading.neutral["verdict"])[1] or "not measured"
    return {
        "name": reading.profile.name,
        "builtin": reading.profile.builtin,
        "description": reading.profile.description,
        "verdict": text,
        "short": short or "not measured",
        "tone": tone,
        "score": reading.summary["overall"],
        "baseline": reading.summary_baseline["overall"],
        "ci": reading.intervals["overall"],
        "neutral_score": reading.neutral["overall"],
        "neutral_verdict": neutral_text,
        "families": [
            {"name": f, "verdict": wording(reading.verdicts[f])[1] or "not measured", "score": reading.summary[f]}
            for f in FAMILY_ORDER
        ],
        "reasons": reading.reasons(),
        "not_measured": reading.not_measured,
        "not_counted": reading.not_counted,
        "rule": reading.to_dict()["rule"],
    }


# -- cards ---------------------------------------------------------------------------------------
class _FigureStore:
    """Collects the figures of a report under short ids, for one JSON block."""

    def __init__(self) -> None:
        self.figures: dict[str, Any] = {}

    def add(self, figure: dict) -> str:
        key = f"f{len(self.figures) + 1}"
        self.figures[key] = figure
        return key


def _card(m: MetricResult, store: _FigureStore, show_records: bool, reading: tuple[str, list]) -> dict[str, Any]:
    anchor = f"m-{_slug(m.name)}"
    details = m.details if isinstance(m.details, Mapping) else {}
    panels = []
    try:
        built = fig.result_panels(m)
    except Exception as exc:  # noqa: BLE001 - a figure that cannot be drawn must not lose the report
        built, message = [], f"the figures of this metric could not be drawn ({type(exc).__name__}: {exc})"
    else:
        message = None
    for k, panel in enumerate(built):
        panels.append({**panel, "anchor": f"{anchor}-p{k + 1}", "fig_id": store.add(panel["figure"])})
    try:
        tables = tab.result_tables(m)
    except Exception as exc:  # noqa: BLE001 - same as figures
        tables, message = [], f"the tables of this metric could not be built ({type(exc).__name__}: {exc})"
    records = tab.records_table(details) if show_records else []
    text, _, tone = wording(*reading)
    shown, folded = [p for p in panels if not p.get("fold")], [p for p in panels if p.get("fold")]
    if len(shown) > PANELS_SHOWN:
        shown, folded = shown[:PANELS_SHOWN], shown[PANELS_SHOWN:] + folded
    return {
        "name": m.name,
        "anchor": anchor,
        "family": m.family,
        "status": m.status,
        "score": m.score,
        "baseline": m.baseline,
        "ci": m.ci,
        "message": m.message,
        "verdict": text,
        "tone": tone,
        "about": m.about,
        # a result that declares a shape with figures: its numbers' table starts folded
        "known": m.declared and fig.builder_for(m.shape) is not None,
        "panels": shown,
        "folded": folded,
        "tables": tables,
        "records": records,
        "scalars": tab.scalar_rows(details),
        "samples": tab.sample_sizes(details),
        "render_problem": message,
    }


def _panel_anchor(cards: dict[str, dict], metric: str, key: str) -> str:
    """The anchor of the panel showing ``key`` (a column): in ``metric``'s card, else in any card,
    else ``metric``'s card itself."""
    for card in [cards[metric], *cards.values()]:
        for panel in card["panels"] + card["folded"]:
            if panel["key"] == key:
                return panel["anchor"]
    return cards[metric]["anchor"]


def _column_tone(report: EvaluationResult, metric: str, column: str) -> str:
    """``poor`` or ``fair`` where the column has a major or minor finding in the metric, else ``good``
    (``none`` without a holdout)."""
    found = [f for f in report.findings if f.metric == metric and f.column == column]
    if found:
        return "poor" if any(f.severity == "major" for f in found) else "fair"
    return "good" if (report.data or {}).get("holdout") is not None else "none"


def look_first(report: EvaluationResult, cards: dict[str, dict], limit: int = 3) -> list[dict[str, Any]]:
    """The worst metrics, columns and pairs, with links: what a reader should look at first."""
    items: list[dict[str, Any]] = []
    for m in report.metrics:
        if m.status == "error":
            items.append(
                {
                    "what": "metric failed",
                    "label": m.name,
                    "text": m.message or "",
                    "href": f"#problem-{_slug(m.name)}",
                    "tone": "poor",
                }
            )
    ok = [m for m in report.metrics if m.status == "ok" and m.score is not None]
    worst = sorted(ok, key=lambda m: m.score - (m.baseline if m.baseline is not None else 1.0))[:limit]
    for m in worst:
        text, _, tone = wording(*report.reading(m.name))
        items.append(
            {
                "what": f"{m.family} metric",
                "label": m.name,
                "href": f"#{cards[m.name]['anchor']}",
                "text": f"{_fmt_score(m.score)} (holdout {_fmt_score(m.baseline)}): {text}",
                "tone": tone,
            }
        )
    columns: dict[str, dict[str, Any]] = {}
    for m in ok:
        if m.family != "fidelity":
            continue
        for row in fig.column_scores(m.details or {}, m.shape):
            gap = (row["baseline"] if row["baseline"] is not None else 1.0) - row["score"]
            if row["column"] not in columns or gap > columns[row["column"]]["gap"]:
                columns[row["column"]] = {"gap": gap, "metric": m.name, **row}
    for row in sorted(columns.values(), key=lambda r: -r["gap"])[:limit]:
        items.append(
            {
                "what": "column",
                "label": row["column"],
                "tone": _column_tone(report, row["metric"], row["column"]),
                "href": f"#{_panel_anchor(cards, row['metric'], row['column'])}",
                "text": f"{row['metric']} {_fmt_score(row['score'])} (holdout {_fmt_score(row['baseline'])})",
            }
        )
    pairs = []
    for m in ok:
        for p in m.shape.pairs(m.details):
            weight = p.get("weight") if isinstance(p.get("weight"), (int, float)) else 1.0
            pairs.append(((1 - p["similarity"]) * weight, m.name, p))
    seen = set()
    for _, name, p in sorted(pairs, key=lambda t: -t[0]):
        label = " × ".join(str(c) for c in p.get("columns") or [])
        if label in seen:
            continue
        seen.add(label)
        items.append(
            {
                "what": "pair",
                "label": label,
                "href": f"#{cards[name]['anchor']}",
                "tone": "none",
                "text": f"{name}: real {_fmt_score(p.get('real'))}, synthetic {_fmt_score(p.get('synthetic'))}, "
                f"holdout {_fmt_score(p.get('holdout'))}",
            }
        )
        if len(seen) >= limit:
            break
    return items


def _schema_rows(report: EvaluationResult) -> list[dict[str, Any]]:
    data = report.data or {}
    invalid = data.get("invalid") or {}
    validity: dict[str, Any] = {}
    missing: dict[str, dict[str, Any]] = {}
    # missing rates and out-of-range counts come from the first metric with per-column statistics
    for m in report.metrics:
        if m.status == "ok" and m.shape.is_a("column_statistics"):
            validity = (m.details or {}).get("validity") or {}
            for entry in (m.details or {}).get("columns") or []:
                stats = entry.get("stats") or {}
                missing[str(entry.get("column"))] = {k: (v or {}).get("missing_rate") for k, v in stats.items()}
            break
    rows = []
    for k, c in enumerate(data.get("columns") or []):
        name = str(c.get("name"))
        synth = (validity.get("synthetic") or {}).get(name) or {}
        out_of_range = sum(synth.get(key) or 0 for key in ("below_range", "above_range"))
        rows.append(
            {
                "anchor": f"col-{k + 1}",
                "name": name,
                "kind": c.get("kind"),
                "role": c.get("role", "feature"),
                "reason": c.get("reason"),
                "missing": missing.get(name, {}),
                "invalid": {
                    frame: (invalid.get(frame) or {}).get(name)
                    for frame in ("real", "holdout", "synthetic")
                    if invalid.get(frame) is not None
                },
                "out_of_range": out_of_range if synth else None,
                "unseen": synth.get("unseen_values") if synth else None,
            }
        )
    return rows


def data_warnings(data: Mapping[str, Any] | None) -> list[str]:
    """The report's data warnings (``data["warnings"]``: one line per problem met reading the
    inputs), as text; none when the list is empty or missing (reports written before it existed)."""
    warnings = (data or {}).get("warnings")
    if not isinstance(warnings, (list, tuple)):
        return []
    return [str(w) for w in warnings if w is not None and str(w).strip()]


def build_context(report: EvaluationResult, *, cdn: bool = False, embed_plotly: bool = True) -> dict[str, Any]:
    """Everything the templates show, computed from the report."""
    store = _FigureStore()
    show_records = bool((report.data or {}).get("show_records"))
    cards = {m.name: _card(m, store, show_records, report.reading(m.name)) for m in report.metrics if m.status == "ok"}
    sections = []
    families = list(FAMILY_ORDER) + sorted({m.family for m in report.metrics} - set(FAMILY_ORDER))
    for family in families:
        results = [m for m in report.metrics if m.family == family]
        if results:
            sections.append(
                {
                    "family": family,
                    "question": FAMILY_QUESTIONS.get(family, ""),
                    "cards": [cards[m.name] for m in results if m.name in cards],
                    "not_run": [m for m in results if m.name not in cards],
                }
            )
    problems = [{"result": m, "about": m.about} for m in report.metrics if m.status != "ok"]
    figures_json = script_json(store.figures)
    return {
        "report": report,
        "data": report.data or {},
        "manifest": report.manifest or {},
        "config": report.config or {},
        "families": _families(report),
        "profile": profile_view(report),
        "look_first": look_first(report, cards),
        "findings": [
            {
                "finding": f,
                "href": "#"
                + (cards[f.metric]["anchor"] if f.column is None else _panel_anchor(cards, f.metric, f.column)),
            }
            for f in report.findings
        ],
        "sections": sections,
        "problems": problems,
        "schema": _schema_rows(report),
        "data_warnings": data_warnings(report.data),
        "figures_json": figures_json,
        "n_figures": len(store.figures),
        "show_records": show_records,
        "plotly_packed": (_packed_plotly() if embed_plotly and not cdn and store.figures else None),
        "plotly_cdn": CDN_URL.format(version=_plotly_version()) if cdn and store.figures else None,
        "styles": _asset("report.css"),
        "script": _asset("report.js"),
        "rule": report.summary_details.get("rule", ""),
    }


def render_report(report: EvaluationResult, *, cdn: bool = False) -> str:
    """The full HTML page of a report. Self-contained (plotly.js embedded, compressed) unless
    ``cdn`` is true, in which case plotly.js is loaded from its CDN (smaller file, needs a network)."""
    return _environment().get_template("report.html.j2").render(**build_context(report, cdn=cdn))


def render_summary(report: EvaluationResult) -> str:
    """A compact summary card for notebooks: pure HTML with inline styles and no script, so it reads
    the same in Jupyter, JupyterLab and VS Code, even where outputs are sanitised."""
    metrics = []
    for m in report.metrics:
        text, _, tone = wording(*report.reading(m.name))
        metrics.append({"result": m, "verdict": text, "tone": tone, "about": m.about})
    return (
        _environment()
        .get_template("summary.html.j2")
        .render(
            report=report,
            families=_families(report),
            metrics=metrics,
            data=report.data or {},
            profile=profile_view(report),
        )
    )
