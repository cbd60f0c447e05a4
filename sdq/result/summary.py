"""Family scores from metric results, their ranges, and the per-column entries of ``details``
read without a shape.

Family scores: ``fidelity`` and ``utility`` are the mean of their ``ok`` metric scores;
``privacy`` is the **minimum** (the weakest link decides whether data may be shared; the mean is in
``summary_details``); ``overall`` is the mean of the family scores present. The same rules applied
to the metrics' baselines give ``summary_baseline``: what a perfect generator (the holdout) gets.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sdq.result.metric_result import MetricResult

__all__ = ["summarise", "family_ranges", "column_entries", "entry_scores"]


def mean_or_none(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def summarise(results: list[MetricResult], attribute: str = "score") -> dict[str, float | None]:
    """Family and overall scores from metric results (``attribute``: ``score`` or ``baseline``)."""
    by_family: dict[str, list[float]] = {"fidelity": [], "utility": [], "privacy": []}
    for r in results:
        value = getattr(r, attribute)
        if r.status == "ok" and value is not None:
            by_family[r.family].append(float(value))
    summary = {
        "fidelity": mean_or_none(by_family["fidelity"]),
        "utility": mean_or_none(by_family["utility"]),
        "privacy": min(by_family["privacy"]) if by_family["privacy"] else None,
    }
    present = [v for v in summary.values() if v is not None]
    summary["overall"] = mean_or_none(present)
    return summary


def family_ranges(results: list[MetricResult], *, missing_as_point: bool = False) -> dict[str, list[float] | None]:
    """A range for each family score (and ``overall``) from its metrics' 95% intervals: the
    family rule (mean or minimum) applied to the lower and to the upper ends. It holds the family
    score whenever every metric's interval holds its score (so it is conservative, not a joint
    bootstrap interval). Where an ``ok`` metric has no interval the family's range is None, or,
    with ``missing_as_point``, that metric counts as exact (its score at both ends)."""
    out: dict[str, list[float] | None] = {}
    families = ("fidelity", "utility", "privacy")
    for family in families:
        ok = [m for m in results if m.family == family and m.status == "ok" and m.score is not None]
        ends = []
        for m in ok:
            if m.ci and None not in m.ci:
                ends.append((m.ci[0], m.ci[1]))
            elif missing_as_point:
                ends.append((m.score, m.score))
        if not ok or len(ends) < len(ok):
            out[family] = None
            continue
        combine = min if family == "privacy" else (lambda v: sum(v) / len(v))
        out[family] = [combine([e[0] for e in ends]), combine([e[1] for e in ends])]
    present = [f for f in families if any(m.family == f and m.status == "ok" and m.score is not None for m in results)]
    if present and all(out[f] is not None for f in present):
        out["overall"] = [sum(out[f][i] for f in present) / len(present) for i in (0, 1)]
    else:
        out["overall"] = None
    return out


def column_entries(details: Any) -> list[dict[str, Any]]:
    """The per-column entries of a metric's ``details`` read without its shape:
    ``details["column_scores"]`` where a pairwise metric gives one, else the mapping entries of
    ``details["columns"]`` that name a column. (The faces read per-column scores through the
    result's shape: ``result.shape.column_scores(result.details)``.)"""
    if not isinstance(details, dict):
        return []
    entries = details.get("column_scores")
    if not isinstance(entries, list):
        entries = details.get("columns")
    return [e for e in entries or [] if isinstance(e, dict) and "column" in e]


def entry_scores(entry: dict[str, Any]) -> tuple[Any, Any]:
    """``(score, baseline)`` of a per-column entry, in either shape metrics use: ``score`` a number
    with ``baseline`` beside it, or ``score`` a mapping ``{"synthetic": ..., "holdout": ...}``."""
    score = entry.get("score")
    if isinstance(score, dict):
        return score.get("synthetic"), score.get("holdout")
    return score, entry.get("baseline")
