"""The result of an evaluation: metric results, family scores, schema and manifest.

:class:`Report` is a plain value: it can be written to strict JSON and read back
(``Report.from_json``) without loss, turned into a table (``to_frame``) or rendered to HTML
(``to_html``; the renderer is imported only then).

Family scores: ``fidelity`` and ``utility`` are the mean of their ``ok`` metric scores;
``privacy`` is the **minimum** (the weakest link decides whether data may be shared; the mean is in
``summary_details``); ``overall`` is the mean of the family scores present. The same rules applied
to the metrics' baselines give ``summary_baseline``: what a perfect generator (the holdout) gets.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from sdq.errors import InputError

__all__ = [
    "MetricResult",
    "Report",
    "summarise",
    "json_safe",
    "write_atomic",
    "column_entries",
    "entry_scores",
    "Figures",
    "family_ranges",
]

STATUSES = ("ok", "skipped", "error")


def json_safe(obj: Any) -> Any:
    """A copy of ``obj`` that strict JSON accepts: numpy scalars to Python, NaN/inf to None."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


@dataclass
class MetricResult:
    """One metric's result. ``score`` and ``baseline`` are in [0, 1], higher is better."""

    name: str
    family: str
    status: str
    score: float | None = None
    baseline: float | None = None
    ci: list[float] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {
                "name": self.name,
                "family": self.family,
                "status": self.status,
                "score": self.score,
                "baseline": self.baseline,
                "ci": list(self.ci) if self.ci is not None else None,
                "details": self.details,
                "message": self.message,
                "warnings": list(self.warnings or []),
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MetricResult":
        fields = {k: data.get(k) for k in ("name", "family", "status", "score", "baseline", "ci", "details", "message")}
        return cls(**fields, warnings=list(data.get("warnings") or []))


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def summarise(results: list[MetricResult], attribute: str = "score") -> dict[str, float | None]:
    """Family and overall scores from metric results (``attribute``: ``score`` or ``baseline``)."""
    by_family: dict[str, list[float]] = {"fidelity": [], "utility": [], "privacy": []}
    for r in results:
        value = getattr(r, attribute)
        if r.status == "ok" and value is not None:
            by_family[r.family].append(float(value))
    summary = {
        "fidelity": _mean(by_family["fidelity"]),
        "utility": _mean(by_family["utility"]),
        "privacy": min(by_family["privacy"]) if by_family["privacy"] else None,
    }
    present = [v for v in summary.values() if v is not None]
    summary["overall"] = _mean(present)
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
    """The per-column entries of a metric's ``details``: ``details["column_scores"]`` where a
    pairwise metric gives one, else the mapping entries of ``details["columns"]`` that name a column."""
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


def _new_temporary_file(folder: Path, name: str) -> tuple[int, str]:
    """A new file ``.<name>.<random>.tmp`` in ``folder``, opened for writing, created with mode
    0o666 as any new file is: the process's umask (and a default ACL of the folder) apply, so the
    written file gets the usual permissions without reading the umask, which on most systems can
    only be read by setting it, for every thread of the process at once. (``tempfile.mkstemp``
    creates its files readable by their owner only.)"""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for a temporary file in {folder}")


def write_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write text to ``path`` through a temporary file in the same folder, then rename. The file
    gets the permissions of any new file (``0o666`` less the umask)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _new_temporary_file(target.parent, target.name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


class Figures(list):
    """A list of plotly figures that displays every one of them in a notebook."""

    def _ipython_display_(self) -> None:  # pragma: no cover - needs IPython
        from IPython.display import display

        for fig in self:
            display(fig)


class Report:
    """Results of one evaluation.

    Attributes
    ----------
    metrics : list of MetricResult
    summary : dict
        ``fidelity``, ``utility``, ``privacy``, ``overall`` (None where no metric of a family ran).
    summary_baseline : dict
        The same for the holdout baselines.
    config, data, manifest : dict
        Every setting used; the inputs' shapes and schema; versions, data hashes and timings.
    """

    def __init__(
        self, metrics: list[MetricResult], *, config: dict, data: dict, manifest: dict, sdq_version: str
    ) -> None:
        self.metrics = list(metrics)
        self.config = config
        self.data = data
        self.manifest = manifest
        self.sdq_version = sdq_version

    # -- access ---------------------------------------------------------------------------------
    @property
    def summary(self) -> dict[str, float | None]:
        return summarise(self.metrics, "score")

    @property
    def summary_baseline(self) -> dict[str, float | None]:
        return summarise(self.metrics, "baseline")

    @property
    def summary_intervals(self) -> dict[str, list[float] | None]:
        """A range for each family score (and ``overall``): :func:`family_ranges` of the metrics."""
        return family_ranges(self.metrics)

    @property
    def summary_details(self) -> dict[str, Any]:
        privacy = [r.score for r in self.metrics if r.family == "privacy" and r.status == "ok"]
        return {
            "privacy_mean": _mean(privacy),
            "rule": "fidelity, utility: mean; privacy: minimum; overall: mean of the families present",
        }

    @property
    def scores(self) -> dict[str, float | None]:
        """Metric name -> score (None unless the metric ran)."""
        return {r.name: r.score for r in self.metrics}

    def __getitem__(self, name: str) -> MetricResult:
        for r in self.metrics:
            if r.name == name:
                return r
        raise KeyError(f"no metric {name!r} in this report; it has {[r.name for r in self.metrics]}")

    def __iter__(self) -> Iterator[MetricResult]:
        return iter(self.metrics)

    def __len__(self) -> int:
        return len(self.metrics)

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v:.3f}" if v is not None else f"{k}=None" for k, v in self.summary.items())
        return f"<sdq.Report {len(self.metrics)} metrics: {parts}>"

    # -- serialisation -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {
                "sdq_version": self.sdq_version,
                "config": self.config,
                "data": self.data,
                "summary": self.summary,
                "summary_baseline": self.summary_baseline,
                "summary_details": self.summary_details,
                "metrics": [r.to_dict() for r in self.metrics],
                "manifest": self.manifest,
            }
        )

    def to_json(self, path: str | os.PathLike | None = None, *, indent: int | None = 1) -> str:
        """Strict JSON (no NaN or Infinity); also written atomically to ``path`` if given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)
        if path is not None:
            write_atomic(path, text)
        return text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        try:
            return cls(
                [MetricResult.from_dict(m) for m in data["metrics"]],
                config=data["config"],
                data=data["data"],
                manifest=data.get("manifest", {}),
                sdq_version=data["sdq_version"],
            )
        except (KeyError, TypeError) as exc:
            raise InputError(f"not an sdq report: missing or malformed {exc}") from None

    @classmethod
    def from_json(cls, source: str | os.PathLike) -> "Report":
        """Read a report from a JSON string or a path to a JSON file."""
        text = str(source)
        if not text.lstrip().startswith("{"):
            path = Path(source)
            if not path.is_file():
                raise InputError(f"{path}: no such report file")
            text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc}") from None
        return cls.from_dict(data)

    def to_frame(self, level: str = "metrics"):
        """The report as a table (a pandas DataFrame).

        ``level="metrics"`` (default): one row per metric: family, status, score, baseline,
        ci_low, ci_high, message.

        ``level="columns"``: one row per column of the schema (kind, role), and for every metric
        that scores columns one by one, ``<metric>`` and ``<metric>_baseline`` (NaN where a metric
        does not score that column). For the pairwise metrics (mutual information, correlation) a
        column's score is the dependence-weighted mean similarity of the pairs that include it.

        ``level="pairs"``: one row per scored pair of each pairwise metric: ``metric``,
        ``column_a``, ``column_b`` and the association in the ``real``, ``synthetic`` and
        ``holdout`` data (as in the metric's matrices), with ``difference`` = synthetic − real.
        """
        import pandas as pd

        if level == "metrics":
            rows = [
                {
                    "name": r.name,
                    "family": r.family,
                    "status": r.status,
                    "score": r.score,
                    "baseline": r.baseline,
                    "ci_low": r.ci[0] if r.ci else None,
                    "ci_high": r.ci[1] if r.ci else None,
                    "message": r.message,
                }
                for r in self.metrics
            ]
            return pd.DataFrame(
                rows, columns=["name", "family", "status", "score", "baseline", "ci_low", "ci_high", "message"]
            ).set_index("name")
        if level == "columns":
            columns = [c for c in self.data.get("columns", []) if c.get("role") != "excluded"]
            frame = pd.DataFrame(
                {"kind": [c.get("kind") for c in columns], "role": [c.get("role") for c in columns]},
                index=pd.Index([str(c.get("name")) for c in columns], name="column"),
            )
            for r in self.metrics:
                entries = column_entries(r.details) if r.status == "ok" else []
                scored = {str(e["column"]): entry_scores(e) for e in entries}
                if not scored:
                    continue
                pairs = [scored.get(c, (None, None)) for c in frame.index]
                frame[r.name], frame[f"{r.name}_baseline"] = (
                    [float(v[k]) if isinstance(v[k], (int, float)) else math.nan for v in pairs] for k in (0, 1)
                )
            return frame
        if level == "pairs":
            rows = []
            for r in self.metrics:
                matrices = (r.details or {}).get("matrices") if r.status == "ok" else None
                labels = (r.details or {}).get("columns")
                if not isinstance(matrices, dict) or "real" not in matrices or not isinstance(labels, list):
                    continue
                real = np.array(matrices["real"], dtype=float)
                others = {k: np.array(matrices[k], dtype=float) for k in ("synthetic", "holdout") if k in matrices}
                i, j = np.triu_indices(len(labels), k=1)
                keep = ~np.isnan(real[i, j])
                for a, b in zip(i[keep], j[keep]):
                    row = {"metric": r.name, "column_a": str(labels[a]), "column_b": str(labels[b]), "real": real[a, b]}
                    row.update({k: m[a, b] for k, m in others.items()})
                    rows.append(row)
            frame = pd.DataFrame(rows, columns=["metric", "column_a", "column_b", "real", "synthetic", "holdout"])
            frame["difference"] = frame["synthetic"] - frame["real"]
            return frame
        raise InputError(f"to_frame: level must be 'metrics', 'columns' or 'pairs'. Got {level!r} instead.")

    def show(self, column: Any) -> "Figures":
        """The figures of one column, from every metric that shows it (distribution, per-lag
        autocorrelation, its associations with the other columns), as plotly figures.

        In a notebook the returned list displays itself; elsewhere, call ``.show()`` on a figure
        or ``.write_html(path)``. Raises ``KeyError`` for a column the report does not have.
        """
        from sdq.render.figures import column_figures

        names = [str(c.get("name")) for c in self.data.get("columns", [])]
        column = str(column)
        if column not in names:
            raise KeyError(f"no column {column!r} in this report; it has {names}")
        return Figures(column_figures(self, column))

    # -- gates -----------------------------------------------------------------------------------
    def check(self, thresholds: Any):
        """Check thresholds against this report -> :class:`sdq.thresholds.CheckResult`.

        ``thresholds``: a :class:`sdq.thresholds.Threshold`, a string such as
        ``"fidelity=0.8,correlation=0.9*baseline"``, a mapping shaped like the ``[tool.sdq.thresholds]``
        table, or a list of those. A target that was skipped, failed or not run fails unless the
        threshold allows it (``allow_skipped``).
        """
        from sdq.thresholds import check

        return check(self, thresholds)

    def raise_for_thresholds(self, thresholds: Any) -> "Report":
        """Raise an ``AssertionError`` naming every failed threshold with its numbers; else return self."""
        __tracebackhide__ = True
        self.check(thresholds).raise_for_failures()
        return self

    # -- rendering -----------------------------------------------------------------------------
    def to_html(self, path: str | os.PathLike | None = None, *, cdn: bool = False) -> str:
        """The HTML report as a string; also written atomically to ``path`` if given.

        The file is self-contained and opens offline (plotly.js is embedded, compressed); with
        ``cdn=True`` plotly.js is loaded from its CDN instead (a smaller file that needs a network).
        """
        from sdq.render.html import render_report

        html = render_report(self, cdn=cdn)
        if path is not None:
            write_atomic(path, html)
        return html

    def _repr_html_(self) -> str:
        from sdq.render.html import render_summary

        return render_summary(self)
