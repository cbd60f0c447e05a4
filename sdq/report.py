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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from sdq.errors import InputError

__all__ = ["MetricResult", "Report", "summarise", "json_safe", "write_atomic"]

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

    def to_dict(self) -> dict[str, Any]:
        return json_safe({
            "name": self.name, "family": self.family, "status": self.status, "score": self.score,
            "baseline": self.baseline, "ci": list(self.ci) if self.ci is not None else None,
            "details": self.details, "message": self.message,
        })

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MetricResult":
        return cls(**{k: data.get(k) for k in ("name", "family", "status", "score", "baseline", "ci",
                                                 "details", "message")})


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


def write_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write text to ``path`` through a temporary file in the same folder, then rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


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

    def __init__(self, metrics: list[MetricResult], *, config: dict, data: dict, manifest: dict,
                 sdq_version: str) -> None:
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
    def summary_details(self) -> dict[str, Any]:
        privacy = [r.score for r in self.metrics if r.family == "privacy" and r.status == "ok"]
        return {"privacy_mean": _mean(privacy), "rule": "fidelity, utility: mean; privacy: minimum; "
                                                          "overall: mean of the families present"}

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
        return json_safe({
            "sdq_version": self.sdq_version,
            "config": self.config,
            "data": self.data,
            "summary": self.summary,
            "summary_baseline": self.summary_baseline,
            "summary_details": self.summary_details,
            "metrics": [r.to_dict() for r in self.metrics],
            "manifest": self.manifest,
        })

    def to_json(self, path: str | os.PathLike | None = None, *, indent: int | None = 1) -> str:
        """Strict JSON (no NaN or Infinity); also written atomically to ``path`` if given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)
        if path is not None:
            write_atomic(path, text)
        return text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        try:
            return cls([MetricResult.from_dict(m) for m in data["metrics"]], config=data["config"],
                       data=data["data"], manifest=data.get("manifest", {}), sdq_version=data["sdq_version"])
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

    def to_frame(self):
        """One row per metric: name, family, status, score, baseline, ci_low, ci_high, message."""
        import pandas as pd

        rows = [{
            "name": r.name, "family": r.family, "status": r.status, "score": r.score,
            "baseline": r.baseline, "ci_low": r.ci[0] if r.ci else None,
            "ci_high": r.ci[1] if r.ci else None, "message": r.message,
        } for r in self.metrics]
        return pd.DataFrame(rows, columns=["name", "family", "status", "score", "baseline", "ci_low",
                                           "ci_high", "message"]).set_index("name")

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
