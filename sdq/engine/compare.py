"""Several synthetic candidates scored against one real data set: a leaderboard.

``sdq.compare({"gan": s1, "copula": s2}, real, holdout=holdout)`` checks and encodes the real side
(schema, bins, the real and holdout frames) once, scores every candidate with the same settings
and seed, and returns a :class:`Comparison`: one :class:`~sdq.Report` per candidate and a
leaderboard.

Ranking: candidates are ordered by their overall **verdict** first (on par, no baseline, somewhat
below, well below: :mod:`sdq.result.findings`; a candidate whose privacy fails is never ranked
above one on par, whatever its scores), then by their ``overall`` score. Two candidates are
**tied** when they have the same verdict and their overall ranges overlap (each range is
:func:`sdq.result.family_ranges`: the family rules applied to the metrics' 95% intervals, a metric
without an interval counting as exact); a candidate's ``rank`` is 1 + the number of candidates
that are clearly better (a better verdict, or the same verdict and a range wholly above its own),
and the leaderboard is ordered by rank, then verdict, then score. Ties are not transitive: A may tie
with B and B with C while A is clearly better than C; so a candidate's ``tied_with`` lists exactly
the candidates whose range overlaps its own. Without any range, ranks follow the scores alone and
nothing is marked tied.
"""

from __future__ import annotations

import json
import os
from typing import Any, Mapping

import pandas as pd

from sdq.engine.evaluate import Evaluation, Progress
from sdq.engine.options import Options
from sdq.errors import InputError
from sdq.files import write_atomic
from sdq.report import Report
from sdq.result import family_ranges, json_safe
from sdq.result.findings import VERDICTS

__all__ = ["compare", "Comparison"]

FAMILIES = ("fidelity", "utility", "privacy", "overall")


class Comparison:
    """The reports of several candidates and their leaderboard.

    Attributes
    ----------
    reports : dict
        Candidate name -> :class:`~sdq.Report`, in the order given.
    """

    def __init__(self, reports: Mapping[str, Report]) -> None:
        if not reports:
            raise InputError("a comparison needs at least one candidate")
        self.reports = dict(reports)

    def __getitem__(self, name: str) -> Report:
        return self.reports[name]

    def __len__(self) -> int:
        return len(self.reports)

    def __repr__(self) -> str:
        board = self.leaderboard
        parts = ", ".join(
            f"{name} {row.overall:.3f}" if row.overall == row.overall else f"{name} —" for name, row in board.iterrows()
        )
        return f"<sdq.Comparison of {len(self)} candidates: {parts}>"

    @property
    def leaderboard(self) -> pd.DataFrame:
        """One row per candidate, best first: ``rank``, the overall ``verdict`` and the number of
        ``findings`` behind it, ``overall`` with its range (``overall_low``, ``overall_high``), the
        family scores, the holdout baseline's overall score, ``tied_with`` (the candidates with
        the same verdict whose overall range overlaps this one's) and the number of metrics that
        failed (``error``; metrics that do not apply are not counted)."""
        rows = []
        for name, report in self.reports.items():
            summary = report.summary
            ranges = family_ranges(report.metrics, missing_as_point=True)
            low, high = ranges["overall"] if ranges["overall"] is not None else (None, None)
            verdict, findings = report.reading("overall")
            rows.append(
                {
                    "candidate": name,
                    "verdict": verdict,
                    "findings": len(findings),
                    "overall": summary["overall"],
                    "overall_low": low,
                    "overall_high": high,
                    **{f: summary[f] for f in FAMILIES[:3]},
                    "baseline_overall": report.summary_baseline["overall"],
                    "failed": sum(m.status == "error" for m in report.metrics),
                }
            )
        for row in rows:
            others = [o for o in rows if o is not row]
            row["tied_with"] = [o["candidate"] for o in others if _overlap(row, o)]
            row["rank"] = 1 + sum(_better(o, row) for o in others)
        order = sorted(
            range(len(rows)), key=lambda i: (rows[i]["rank"], _standing(rows[i]), -_value(rows[i]["overall"]), i)
        )
        columns = [
            "rank",
            "candidate",
            "verdict",
            "findings",
            "overall",
            "overall_low",
            "overall_high",
            *FAMILIES[:3],
            "baseline_overall",
            "tied_with",
            "failed",
        ]
        frame = pd.DataFrame([rows[i] for i in order], columns=columns).set_index("candidate")
        for column in ["overall", "overall_low", "overall_high", *FAMILIES[:3], "baseline_overall"]:
            frame[column] = frame[column].astype(float)
        return frame

    def to_frame(self) -> pd.DataFrame:
        """Metric scores side by side: one row per metric, a column per candidate, and the holdout
        baseline of the first candidate (every candidate is compared with the same holdout; where
        candidates differ in size, the holdout is subsampled to each one's size, so baselines can
        differ slightly)."""
        first = next(iter(self.reports.values()))
        frame = pd.DataFrame({"family": [m.family for m in first.metrics]}, index=[m.name for m in first.metrics])
        frame.index.name = "metric"
        for name, report in self.reports.items():
            frame[name] = [report[m].score if m in {r.name for r in report.metrics} else None for m in frame.index]
        frame["baseline"] = [m.baseline for m in first.metrics]
        return frame

    def to_dict(self) -> dict[str, Any]:
        board = self.leaderboard.reset_index()
        return json_safe(
            {
                "leaderboard": board.to_dict(orient="records"),
                "reports": {name: report.to_dict() for name, report in self.reports.items()},
            }
        )

    def to_json(self, path: str | os.PathLike | None = None, *, indent: int | None = 1) -> str:
        """Strict JSON: the leaderboard and every candidate's full report; written atomically to ``path``."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)
        if path is not None:
            write_atomic(path, text)
        return text

    def to_html(self, path: str | os.PathLike | None = None, *, cdn: bool = False) -> str:
        """One self-contained HTML page for every candidate: the leaderboard, the metrics side by
        side and each candidate's per-column scores; written atomically to ``path`` if given."""
        from sdq.render.compare import render_comparison

        html = render_comparison(self, cdn=cdn)
        if path is not None:
            write_atomic(path, html)
        return html

    def _repr_html_(self) -> str:
        """A compact leaderboard card (inline styles, no script) for notebooks."""
        from sdq.render.notebook import comparison_card  # imported when used: `import sdq` loads no renderer

        return comparison_card(self)


def _value(v: Any) -> float:
    return float(v) if v is not None and v == v else float("-inf")


def _standing(row: dict) -> int:
    """The place of a row's verdict, best first (``not_measured`` last)."""
    return VERDICTS.index(row["verdict"]) if row["verdict"] in VERDICTS else len(VERDICTS)


def _overlap(a: dict, b: dict) -> bool:
    if _standing(a) != _standing(b):
        return False
    if None in (a["overall_low"], a["overall_high"], b["overall_low"], b["overall_high"]):
        return False
    return a["overall_low"] <= b["overall_high"] and b["overall_low"] <= a["overall_high"]


def _better(a: dict, b: dict) -> bool:
    """``a`` is clearly better than ``b``: a better verdict, or the same verdict and a range wholly
    above (or, without ranges, a higher score)."""
    if _standing(a) != _standing(b):
        return _standing(a) < _standing(b)
    if None in (a["overall_low"], a["overall_high"], b["overall_low"], b["overall_high"]):
        return _value(a["overall"]) > _value(b["overall"])
    return a["overall_low"] > b["overall_high"]


def compare(
    candidates: Mapping[str, pd.DataFrame],
    real: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    progress: Progress | None = None,
    **options: Any,
) -> Comparison:
    """Score several synthetic data sets against the same real data -> :class:`Comparison`.

    Parameters
    ----------
    candidates : mapping
        Candidate name -> synthetic DataFrame (at least one).
    real, holdout : DataFrame
        As in :func:`sdq.engine.evaluate`; the real side is checked and encoded once for all candidates.
    progress : callable, optional
        As in :func:`sdq.engine.evaluate`; called for each candidate's metrics in turn.
    **options
        Any other argument of :func:`sdq.engine.evaluate` (``target``, ``metrics``, ``seed``, ``jobs``, ...).

    Examples
    --------
    >>> result = sdq.compare({"gan": gan_rows, "copula": copula_rows}, real, holdout=holdout)  # doctest: +SKIP
    >>> result.leaderboard                                                                      # doctest: +SKIP
    """
    if not isinstance(candidates, Mapping) or not candidates:
        raise InputError("The 'candidates' argument must be a non-empty mapping of name -> synthetic DataFrame.")
    names = [str(name) for name in candidates]
    if len(set(names)) != len(names):
        raise InputError(f"Candidate names must be distinct as text. Got {names} instead.")
    evaluation = Evaluation(real, holdout, Options.make(**options))
    reports = {}
    for name, frame in candidates.items():
        try:
            reports[str(name)] = evaluation.run(frame, progress=progress)
        except InputError as exc:
            raise InputError(f"candidate {str(name)!r}: {exc}") from None
    return Comparison(reports)
