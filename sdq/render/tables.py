"""Tables of the HTML report, built from a metric's ``details`` only, chosen by their shape.

A table is a plain dict ``{"title": str, "columns": [str, ...], "rows": [[cell, ...], ...]}``;
cells are strings, numbers or None, and the template escapes and formats them. :data:`TABLES`
maps shape names (:mod:`sdq.shapes`) to builders (``details -> list of tables``), and
:data:`EXTRAS` optional metric-specific tables by the name a metric lists in ``extras``; every
metric, whatever its shape, also gets :func:`scalar_rows` (all its scalar details) and
:func:`sample_sizes`.

Real records (``details["records"]``, present only when the evaluation ran with
``show_records``) are turned into a table by :func:`records_table`, which the report calls only
when the report's data say ``show_records`` was used.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from sdq.shapes import Shape, as_shape, infer

__all__ = ["TABLES", "EXTRAS", "tables_for", "result_tables", "scalar_rows", "sample_sizes", "records_table"]

Table = dict[str, Any]

#: Detail keys that are sample sizes, shown on one line under a metric's score.
SAMPLE_KEYS = ("rows", "test", "n_bootstrap", "bootstrap_rows", "n_queries", "repeats", "n_pairs", "lags", "k")
#: Detail keys never shown by the generic table (records are shown only on request, elsewhere).
HIDDEN_KEYS = ("records",)
MAX_SCALAR_ROWS = 200


def _list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _pairs_table(details: Mapping[str, Any], title: str = "pairs that differ most") -> list[Table]:
    rows = []
    for p in _list(details.get("pairs")):
        if not isinstance(p, Mapping):
            continue
        columns = _list(p.get("columns"))
        pair = " × ".join(str(c) for c in columns)
        values = [p.get(k) for k in ("real", "holdout", "synthetic", "similarity")]
        rows.append([pair, p.get("association", ""), *values])
    if not rows:
        return []
    columns = ["pair", "measure", "real", "holdout", "synthetic", "similarity"]
    return [{"title": title, "columns": columns, "rows": rows}]


def _format_top(values: Any) -> str:
    return ", ".join(
        f"{v[0]} {v[1]:.1%}"
        for v in _list(values)
        if isinstance(v, (list, tuple)) and len(v) == 2 and isinstance(v[1], (int, float))
    )


def statistics_tables(details: Mapping[str, Any]) -> list[Table]:
    """The side-by-side summary statistics of every column, with the agreement of each, then the
    agreement of each aspect the statistics are grouped in (``aspects``, when given)."""
    rows = []
    for entry in _list(details.get("columns")):
        if not isinstance(entry, Mapping):
            continue
        stats, agreement = _dict(entry.get("stats")), _dict(_dict(entry.get("agreement")).get("synthetic"))
        names = list(dict.fromkeys([*_dict(stats.get("real")), *agreement]))
        for stat in names:
            cells = []
            for data_set in ("real", "holdout", "synthetic"):
                value = _dict(stats.get(data_set)).get(stat)
                cells.append(_format_top(value) if stat == "top" else value if _scalar(value) else None)
            rows.append([str(entry.get("column", "")), stat, *cells, agreement.get(stat)])
        for aspect, value in _dict(_dict(entry.get("aspects")).get("synthetic")).items():
            if _scalar(value) and not isinstance(value, str):
                rows.append([str(entry.get("column", "")), f"aspect: {aspect}", None, None, None, value])
    if not rows:
        return []
    columns = ["column", "statistic", "real", "holdout", "synthetic", "agreement"]
    return [{"title": "summary statistics per column", "columns": columns, "rows": rows}]


def prediction_tables(details: Mapping[str, Any]) -> list[Table]:
    """Every model's scores on the real test rows, per training data set."""
    models = [m for m in _list(details.get("models")) if isinstance(m, Mapping)]
    keys = list(dict.fromkeys(k for m in models for part in ("trtr", "tstr") for k in _dict(m.get(part))))
    named = {
        "real": "real (TRTR)",
        "synthetic": "synthetic (TSTR)",
        "holdout": "holdout half",
        **{k: str(v) for k, v in _dict(details.get("labels")).items()},
    }
    rows = []
    for m in models:
        train_rows = _dict(m.get("train_rows"))
        for label, part, data_set in (
            (named["real"], "trtr", "real"),
            (named["synthetic"], "tstr", "synthetic"),
            (named["holdout"], "baseline", "holdout"),
        ):
            values = _dict(m.get(part))
            if not values:
                continue
            rows_used = values.get("train_rows") if part == "baseline" else train_rows.get(data_set)
            ratio = m.get("ratio") if part == "tstr" else values.get("ratio") if part == "baseline" else None
            rows.append([str(m.get("model", "")), label, rows_used, *[values.get(k) for k in keys], ratio])
        if m.get("note"):
            rows.append([str(m.get("model", "")), str(m["note"]), None, *[None for _ in keys], None])
    if not rows:
        return []
    return [{"title": "models", "columns": ["model", "trained on", "training rows", *keys, "ratio"], "rows": rows}]


def importance_tables(details: Mapping[str, Any]) -> list[Table]:
    """The features' rankings per model: real, holdout and synthetic side by side."""
    tables = []
    for m in _list(details.get("models")):
        if not isinstance(m, Mapping):
            continue
        rankings = {name: _list(_dict(m.get(name)).get("ranking")) for name in ("real", "holdout", "synthetic")}
        depth = max((len(r) for r in rankings.values()), default=0)
        if not depth:
            continue
        rows = [[k + 1, *[(r[k] if k < len(r) else None) for r in rankings.values()]] for k in range(depth)]
        tables.append(
            {"title": f"ranking of the features: {m.get('model', '')}", "columns": ["rank", *rankings], "rows": rows}
        )
    return tables


def qscore_tables(details: Mapping[str, Any]) -> list[Table]:
    """The queries answered worst, in words."""
    rows = [
        [q.get("query"), q.get("error"), q.get("holdout_error")]
        for q in _list(details.get("worst"))
        if isinstance(q, Mapping)
    ]
    return (
        [
            {
                "title": "queries answered worst",
                "columns": ["query", "error (synthetic)", "error (holdout)"],
                "rows": rows,
            }
        ]
        if rows
        else []
    )


def rule_tables(details: Mapping[str, Any]) -> list[Table]:
    """Every rule with the share of rows that keep it per data set, its synthetic violations, score
    and note; then a few violating synthetic rows per rule (never real rows)."""
    rows, examples = [], []
    for e in _list(details.get("columns")):
        if not isinstance(e, Mapping):
            continue
        shares, violations = _dict(e.get("shares")), _dict(e.get("violations"))
        broken = violations.get("synthetic_full", violations.get("synthetic"))
        rows.append(
            [
                str(e.get("column", "")),
                e.get("rule"),
                e.get("severity"),
                e.get("source"),
                shares.get("real"),
                shares.get("holdout"),
                shares.get("synthetic"),
                broken,
                e.get("score"),
                e.get("note"),
            ]
        )
        for example in _list(e.get("examples")):
            if isinstance(example, Mapping):
                values = ", ".join(f"{k} = {v}" for k, v in _dict(example.get("values")).items())
                examples.append([str(e.get("column", "")), example.get("row"), values])
    if not rows:
        return []
    columns = [
        "rule",
        "what",
        "severity",
        "source",
        "real",
        "holdout",
        "synthetic",
        "broken (synthetic)",
        "score",
        "note",
    ]
    tables = [{"title": "rules: the share of the rows each applies to that keep it", "columns": columns, "rows": rows}]
    if examples:
        tables.append(
            {
                "title": "synthetic rows that break a rule (position in the synthetic data, from 0)",
                "columns": ["rule", "row", "values"],
                "rows": examples,
            }
        )
    return tables


def pearson_tables(details: Mapping[str, Any]) -> list[Table]:
    """Pearson's r of the numeric pairs (``details.pearson``), reported beside a score that uses
    another association."""
    rows = [
        [" × ".join(str(c) for c in _list(p.get("columns"))), p.get("real"), p.get("holdout"), p.get("synthetic")]
        for p in _list(details.get("pearson"))
        if isinstance(p, Mapping)
    ]
    if not rows:
        return []
    return [
        {
            "title": "Pearson's r of numeric pairs (reported, not scored)",
            "columns": ["pair", "real", "holdout", "synthetic"],
            "rows": rows,
        }
    ]


def giveaway_tables(details: Mapping[str, Any]) -> list[Table]:
    """The columns a classifier relied on most to tell synthetic from real rows, each with the
    value range holding the most synthetic rather than real rows (``details.giveaways``)."""
    rows = [
        [
            g.get("column"),
            g.get("importance"),
            g.get("range"),
            g.get("real_share"),
            g.get("holdout_share"),
            g.get("synthetic_share"),
            g.get("predicted_synthetic"),
        ]
        for g in _list(details.get("giveaways"))
        if isinstance(g, Mapping)
    ]
    if not rows:
        return []
    return [
        {
            "title": "what gives the synthetic rows away: the columns the classifier relied on most, and in each the "
            "value range with the most synthetic rather than real rows",
            "columns": [
                "column",
                "share of the classifier's gain",
                "value range",
                "share of real rows",
                "of holdout rows",
                "of synthetic rows",
                "mean P(synthetic) there",
            ],
            "rows": rows,
        }
    ]


#: Table builders by shape name (a shape without one gets the table of the nearest shape it refines).
TABLES: dict[str, Callable[[Mapping[str, Any]], list[Table]]] = {
    "column_statistics": statistics_tables,
    "rule_checks": rule_tables,
    "pairwise": _pairs_table,
    "models": prediction_tables,
    "rankings": importance_tables,
    "query_errors": qscore_tables,
}
#: Optional metric-specific tables, by the name a metric lists in ``extras`` (after those of its shape).
EXTRAS: dict[str, Callable[[Mapping[str, Any]], list[Table]]] = {
    "pearson": pearson_tables,
    "giveaways": giveaway_tables,
}


def tables_for(shape: Shape | str | None, details: Mapping[str, Any] | None) -> list[Table]:
    """The tables of details of ``shape`` (a shape, its name, or None to infer it from the details);
    none for shapes without a table builder."""
    if not isinstance(details, Mapping):
        return []
    shape = infer(details) if shape is None else as_shape(shape)
    builder = next((TABLES[name] for name in shape.lineage if name in TABLES), None)
    return builder(details) if builder is not None else []


def result_tables(result: Any) -> list[Table]:
    """The tables of a metric result: those of its shape, then those of its extras (when known)."""
    details = result.details if isinstance(result.details, Mapping) else {}
    tables = tables_for(result.shape, details)
    extras = result.about.extras if getattr(result, "about", None) is not None else ()
    for name in extras:
        if name in EXTRAS:
            tables += EXTRAS[name](details)
    return tables


def scalar_rows(details: Mapping[str, Any] | None, *, max_depth: int = 3) -> list[tuple[str, Any]]:
    """Every scalar in ``details`` as ``(dotted.key, value)``; short lists of scalars (up to 4, such
    as quantiles) count as scalars. Records and long lists are left out."""
    out: list[tuple[str, Any]] = []

    def walk(value: Any, path: str, depth: int) -> None:
        if len(out) >= MAX_SCALAR_ROWS:
            return
        if _scalar(value):
            out.append((path, value))
        elif isinstance(value, (list, tuple)) and len(value) <= 4 and all(_scalar(v) for v in value):
            out.append(
                (path, ", ".join("—" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v) for v in value))
            )
        elif isinstance(value, Mapping) and depth < max_depth:
            for key, item in value.items():
                if depth == 0 and key in HIDDEN_KEYS:
                    continue
                walk(item, f"{path}.{key}" if path else str(key), depth + 1)

    walk(details if isinstance(details, Mapping) else {}, "", 0)
    return out


def sample_sizes(details: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The sample sizes in ``details`` (rows per data set, resamples, ...) as ``(label, text)``."""
    details = details if isinstance(details, Mapping) else {}
    out = []
    for key in SAMPLE_KEYS:
        value = details.get(key)
        if isinstance(value, Mapping):
            parts = [f"{k} {v}" for k, v in value.items() if _scalar(v) and not isinstance(v, bool)]
            if parts:
                out.append((key.replace("_", " "), ", ".join(parts)))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append((key.replace("_", " "), f"{value:g}"))
    return out


def records_table(details: Mapping[str, Any] | None, title: str = "matched synthetic records") -> list[Table]:
    """``details["records"]`` (a list of row dicts) as a table. Call only when ``show_records`` was used."""
    records = [r for r in _list((details or {}).get("records")) if isinstance(r, Mapping)]
    if not records:
        return []
    columns = list(dict.fromkeys(str(k) for r in records for k in r))
    rows = [[r.get(c) if _scalar(r.get(c)) else str(r.get(c)) for c in columns] for r in records]
    return [{"title": title, "columns": columns, "rows": rows}]
