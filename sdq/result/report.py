"""The result of an evaluation: metric results, family scores, schema and manifest.

:class:`EvaluationResult` is a plain value: it can be written to strict JSON and read back
(``from_json``) without loss and turned into a table (``to_frame``). It never renders or gates:
the public :class:`sdq.Report` (:mod:`sdq.report`) adds those faces.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from sdq.errors import InputError
from sdq.files import write_atomic
from sdq.result.findings import Finding, family_verdicts, find, metric_verdicts
from sdq.result.metric_result import MetricResult, json_safe
from sdq.result.profiles import Profile, ProfileReading, read_profile, resolve_profile
from sdq.result.summary import family_ranges, mean_or_none, summarise

__all__ = ["EvaluationResult"]


class EvaluationResult:
    """Results of one evaluation, as a plain value (the public :class:`sdq.Report` adds its faces:
    HTML, figures and gates).

    Attributes
    ----------
    metrics : list of MetricResult
    summary : dict
        ``fidelity``, ``utility``, ``privacy``, ``overall`` (None where no metric of a family ran).
    summary_baseline : dict
        The same for the holdout baselines.
    findings : list of Finding
        The metrics and columns below their baseline by more than noise explains
        (:mod:`sdq.result.findings`).
    verdicts : dict
        ``fidelity``, ``utility``, ``privacy``, ``overall`` -> ``on_par``, ``somewhat_below``,
        ``well_below``, ``no_baseline`` or ``not_measured``, decided by the findings.
    config, data, manifest : dict
        Every setting used; the inputs' shapes and schema; versions, data hashes and timings.
    profile : Profile or None
        The use-case profile the report is read with (:mod:`sdq.result.profiles`); its reading
        (score, range, verdicts beside the neutral ones) is :attr:`profile_reading`.
    """

    def __init__(
        self,
        metrics: list[MetricResult],
        *,
        config: dict,
        data: dict,
        manifest: dict,
        sdq_version: str,
        profile: Profile | str | None = None,
    ) -> None:
        self.metrics = list(metrics)
        self.config = config
        self.data = data
        self.manifest = manifest
        self.sdq_version = sdq_version
        self.profile = resolve_profile(profile)

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
    def findings(self) -> list[Finding]:
        """The findings of the report, worst gap first (:func:`sdq.result.findings.find`)."""
        key = tuple(map(id, self.metrics))
        if getattr(self, "_findings", (None, None))[0] != key:
            self._findings = (key, find(self.metrics))
        return list(self._findings[1])

    @property
    def verdicts(self) -> dict[str, str]:
        """Family and overall verdicts from the findings (:func:`sdq.result.findings.family_verdicts`)."""
        return family_verdicts(self.metrics, self.findings)

    @property
    def profile_reading(self) -> ProfileReading | None:
        """The profile's reading of this report (None without a profile): its score and range, its
        verdicts, the findings as it counts them and what it names but the report lacks."""
        if self.profile is None:
            return None
        key = (tuple(map(id, self.metrics)), self.profile)
        if getattr(self, "_profile_reading", (None, None))[0] != key:
            self._profile_reading = (key, self.profile.read(self.metrics, self.findings))
        return self._profile_reading[1]

    def with_profile(self, profile: Profile | str | None):
        """The same report read with another profile (a name, a :class:`Profile` or None); the
        metric results are shared, never recomputed."""
        return type(self)(
            self.metrics,
            config=self.config,
            data=self.data,
            manifest=self.manifest,
            sdq_version=self.sdq_version,
            profile=profile,
        )

    @property
    def metric_verdicts(self) -> dict[str, str]:
        """Metric name -> verdict from its own findings (its score's and its columns')."""
        return metric_verdicts(self.metrics, self.findings)

    def reading(self, scope: str) -> tuple[str, list[Finding]]:
        """The verdict of a family, ``overall`` or a metric (by name), and the findings behind it."""
        findings = self.findings
        if scope in ("fidelity", "utility", "privacy", "overall"):
            mine = [f for f in findings if scope in ("overall", f.family)]
            return family_verdicts(self.metrics, findings)[scope], mine
        mine = [f for f in findings if f.metric == scope]
        return metric_verdicts(self.metrics, findings).get(scope, "not_measured"), mine

    def failing_columns(self, family: str | None = None) -> list[str]:
        """The distinct columns with a finding (in one family, or in any), worst first."""
        out: list[str] = []
        for f in self.findings:
            if f.column is not None and f.column not in out and family in (None, f.family):
                out.append(f.column)
        return out

    @property
    def summary_details(self) -> dict[str, Any]:
        privacy = [r.score for r in self.metrics if r.family == "privacy" and r.status == "ok"]
        return {
            "privacy_mean": mean_or_none(privacy),
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
        return f"<sdq.{type(self).__name__} {len(self.metrics)} metrics: {parts}>"

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
                "verdicts": self.verdicts,
                "findings": [f.to_dict() for f in self.findings],
                "profile": None if self.profile is None else self.profile_reading.to_dict(),
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
    def from_dict(cls, data: dict[str, Any]):
        try:
            return cls(
                [MetricResult.from_dict(m) for m in data["metrics"]],
                config=data["config"],
                data=data["data"],
                manifest=data.get("manifest", {}),
                sdq_version=data["sdq_version"],
                profile=read_profile(data.get("profile")),
            )
        except (KeyError, TypeError) as exc:
            raise InputError(f"not an sdq report: missing or malformed {exc}") from None

    @classmethod
    def from_json(cls, source: str | os.PathLike):
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
        whose details have per-column scores (its shape's :meth:`~sdq.shapes.Shape.column_scores`),
        ``<metric>`` and ``<metric>_baseline`` (NaN where a metric does not score that column). For
        the pairwise metrics (mutual information, correlation) a column's score is the share of the
        real dependence kept over the pairs that include it.

        ``level="pairs"``: one row per scored pair of each metric with pairwise matrices (its
        shape's :meth:`~sdq.shapes.Shape.matrices`): ``metric``, ``column_a``, ``column_b`` and the
        association in the ``real``, ``synthetic`` and ``holdout`` data (as in the metric's
        matrices), with ``difference`` = synthetic − real.
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
                entries = r.shape.column_scores(r.details) if r.status == "ok" else []
                scored = {e.column: (e.score, e.baseline) for e in entries}
                if not scored:
                    continue
                pairs = [scored.get(c, (None, None)) for c in frame.index]
                frame[r.name], frame[f"{r.name}_baseline"] = (
                    [float(v[k]) if v[k] is not None else math.nan for v in pairs] for k in (0, 1)
                )
            return frame
        if level == "pairs":
            rows = []
            for r in self.metrics:
                found = r.shape.matrices(r.details) if r.status == "ok" else None
                if found is None:
                    continue
                labels, matrices = found
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
