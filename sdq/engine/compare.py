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

With a use-case **profile** (``sdq.compare(..., profile="fraud")``, ``Comparison.with_profile``;
:mod:`sdq.result.profiles`) the same rules apply to the profile's verdict (``fails`` worst),
score and range, and the neutral rank stays beside it; :attr:`Comparison.choice` names the
candidate the profile ranks first and why (the profile's need, the findings that decided each
other candidate's verdict or its lower range).

**Trade-offs** (:meth:`Comparison.tradeoffs`): every candidate on fidelity vs privacy and utility
vs privacy with its family ranges, and its place on the Pareto front of each chart
(:mod:`sdq.result.tradeoff`); the HTML page draws both charts.
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
from sdq.result.profiles import Profile, resolve_profile
from sdq.result.tradeoff import CHARTS, pareto
from sdq.result.tradeoff import RULE as TRADEOFF_RULE
from sdq.result.verdict import SHORT

__all__ = ["compare", "Comparison"]

FAMILIES = ("fidelity", "utility", "privacy", "overall")


class Comparison:
    """The reports of several candidates and their leaderboard.

    Attributes
    ----------
    reports : dict
        Candidate name -> :class:`~sdq.Report`, in the order given.
    profile : Profile or None
        The use-case profile every report is read with (:mod:`sdq.result.profiles`): the
        leaderboard ranks by its verdicts and scores, and :attr:`choice` names its first candidate.
    """

    def __init__(self, reports: Mapping[str, Report], profile: Any = None) -> None:
        if not reports:
            raise InputError("a comparison needs at least one candidate")
        reports = dict(reports)
        if profile is not None:
            resolved = resolve_profile(profile)
            reports = {name: report.with_profile(resolved) for name, report in reports.items()}
        profiles = {None if r.profile is None else r.profile.to_dict()["name"] for r in reports.values()}
        if len(profiles) > 1:
            raise InputError(
                f"the candidates of a comparison are read with one profile; got {sorted(map(str, profiles))}"
            )
        self.reports = reports

    @property
    def profile(self) -> Profile | None:
        return next(iter(self.reports.values())).profile

    def with_profile(self, profile: Any) -> "Comparison":
        """The same candidates read with another profile (a name, a Profile or None); nothing is
        run again."""
        return Comparison({name: r.with_profile(profile) for name, r in self.reports.items()})

    def __getitem__(self, name: str) -> Report:
        return self.reports[name]

    def __len__(self) -> int:
        return len(self.reports)

    def __repr__(self) -> str:
        board = self.leaderboard
        parts = ", ".join(
            f"{name} {row.overall:.3f}" if row.overall == row.overall else f"{name} —" for name, row in board.iterrows()
        )
        read = f" read as {self.profile.name}" if self.profile is not None else ""
        return f"<sdq.Comparison of {len(self)} candidates{read}: {parts}>"

    @property
    def leaderboard(self) -> pd.DataFrame:
        """One row per candidate, best first: ``rank``, the overall ``verdict`` and the number of
        ``findings`` behind it, ``overall`` with its range (``overall_low``, ``overall_high``), the
        family scores, the holdout baseline's overall score, ``tied_with`` (the candidates with
        the same verdict whose overall range overlaps this one's) and the number of metrics that
        failed (``error``; metrics that do not apply are not counted).

        With a profile, the ranks, order and ties follow the profile's verdict and score, and the
        board gains ``profile_verdict``, ``profile_score``, ``profile_low``, ``profile_high`` and
        ``neutral_rank`` (the rank without the profile)."""
        rows = []
        for name, report in self.reports.items():
            summary = report.summary
            ranges = family_ranges(report.metrics, missing_as_point=True)
            low, high = ranges["overall"] if ranges["overall"] is not None else (None, None)
            verdict, findings = report.reading("overall")
            row = {
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
            reading = report.profile_reading
            if reading is not None:
                interval = reading.intervals["overall"] or (None, None)
                row.update(
                    profile_verdict=reading.verdict,
                    profile_score=reading.summary["overall"],
                    profile_low=interval[0],
                    profile_high=interval[1],
                )
            rows.append(row)
        neutral = ("verdict", "overall", "overall_low", "overall_high")
        keys = ("profile_verdict", "profile_score", "profile_low", "profile_high") if self.profile else neutral
        _rank(rows, neutral, "neutral_rank", "neutral_tied")
        _rank(rows, keys, "rank", "tied_with")
        order = sorted(
            range(len(rows)),
            key=lambda i: (rows[i]["rank"], _standing(rows[i][keys[0]]), -_value(rows[i][keys[1]]), i),
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
        if self.profile is not None:
            columns += ["profile_verdict", "profile_score", "profile_low", "profile_high", "neutral_rank"]
        frame = pd.DataFrame([rows[i] for i in order], columns=columns).set_index("candidate")
        numbers = ["overall", "overall_low", "overall_high", *FAMILIES[:3], "baseline_overall"]
        if self.profile is not None:
            numbers += ["profile_score", "profile_low", "profile_high"]
        for column in numbers:
            frame[column] = frame[column].astype(float)
        return frame

    def tradeoffs(self) -> dict[str, list[dict[str, Any]]]:
        """The trade-off charts (:data:`sdq.result.tradeoff.CHARTS`: fidelity vs privacy, utility
        vs privacy): per chart, one entry per candidate with both family scores and ranges
        (neutral family scores: a profile changes no score; ranges as
        :func:`sdq.result.family_ranges` with a metric without an interval counting as exact) and
        its place on the Pareto front (``on_front``, ``dominated_by``, ``clearly_dominated_by``;
        see :mod:`sdq.result.tradeoff`). A candidate without a score on either family is listed
        with ``measured`` false and is not placed."""
        out = {}
        for x, y in CHARTS:
            points, ranges, entries = {}, {}, []
            for name, report in self.reports.items():
                summary = report.summary
                spans = family_ranges(report.metrics, missing_as_point=True)
                entry = {
                    "candidate": name,
                    x: summary[x],
                    f"{x}_range": spans[x],
                    y: summary[y],
                    f"{y}_range": spans[y],
                    "measured": summary[x] is not None and summary[y] is not None,
                }
                if entry["measured"]:
                    points[name] = (summary[x], summary[y])
                    ranges[name] = (spans[x], spans[y])
                entries.append(entry)
            front = pareto(points, ranges)
            for entry in entries:
                entry.update(
                    front.get(entry["candidate"], {"on_front": None, "dominated_by": [], "clearly_dominated_by": []})
                )
            out[f"{x}_{y}"] = entries
        return out

    @property
    def choice(self) -> dict[str, Any]:
        """Which candidate the profile (or, without one, the neutral reading) ranks first, and
        why: ``profile`` (name or None), ``candidates`` (the first rank: one, or several the data
        cannot tell apart), ``verdict``, ``score`` and ``range``, and ``why``: lines stating the
        profile's need, the chosen candidate's standing, and for each other candidate what ranks
        it lower (the findings that decided its verdict, or its lower score range)."""
        board = self.leaderboard
        profile = self.profile
        verdict_key, score_key, low_key, high_key = (
            ("profile_verdict", "profile_score", "profile_low", "profile_high")
            if profile is not None
            else ("verdict", "overall", "overall_low", "overall_high")
        )
        first = board.iloc[0]
        chosen = [str(n) for n, row in board.iterrows() if row["rank"] == first["rank"]]
        reader = profile.name if profile is not None else "the neutral reading"

        def standing(name: str) -> str:
            row = board.loc[name]
            span = (
                f" [{row[low_key]:.3f}, {row[high_key]:.3f}]"
                if row[low_key] == row[low_key] and row[low_key] is not None
                else ""
            )
            score = f"{row[score_key]:.3f}{span}" if row[score_key] == row[score_key] else "no score"
            return f"{SHORT[row[verdict_key]] or 'not measured'}, score {score}"

        def because(name: str) -> list[str]:
            report = self.reports[name]
            if profile is not None:
                return report.profile_reading.reasons()
            verdict, findings = report.reading("overall")
            return [
                f"{f.metric}{':' + f.column if f.column is not None else ''} {f.score:.3f} vs holdout "
                f"{f.baseline:.3f}: {f.severity}"
                for f in findings[:3]
            ]

        why = []
        if profile is not None:
            why.append(f"{profile.name}: {profile.description}")
        lead = ", ".join(chosen)
        why.append(
            f"{reader} ranks {lead} first ({standing(chosen[0])})"
            + (f"; the data cannot tell {lead} apart" if len(chosen) > 1 else "")
        )
        for reason in because(chosen[0])[:3]:
            why.append(f"  {chosen[0]}: {reason}")
        if first[verdict_key] not in ("on_par", "no_baseline"):
            why.append(f"no candidate is on par with fresh real data for {reader}: the choice is the least far below")
        for name, row in board.iterrows():
            if name in chosen:
                continue
            better = board.loc[chosen[0]]
            if _standing(row[verdict_key]) > _standing(better[verdict_key]):
                cause = "a worse verdict"
            else:
                cause = "a lower score range"
            why.append(f"{name} ranks {int(row['rank'])} ({standing(name)}): {cause}")
            for reason in because(str(name))[:3]:
                why.append(f"  {name}: {reason}")
        trade = self.tradeoffs()
        for chart, entries in trade.items():
            for entry in entries:
                if entry["candidate"] == chosen[0] and entry["on_front"] is False:
                    x, y = chart.split("_")
                    why.append(
                        f"{chosen[0]} is not on the {x} vs {y} front: {', '.join(entry['dominated_by'])} "
                        f"score{'s' if len(entry['dominated_by']) == 1 else ''} at least as high on both"
                    )
        return {
            "profile": profile.name if profile is not None else None,
            "candidates": chosen,
            "verdict": first[verdict_key],
            "score": None if first[score_key] != first[score_key] else float(first[score_key]),
            "range": None
            if first[low_key] is None or first[low_key] != first[low_key]
            else [float(first[low_key]), float(first[high_key])],
            "why": why,
        }

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
        profile = self.profile
        return json_safe(
            {
                "leaderboard": board.to_dict(orient="records"),
                "profile": None if profile is None else profile.to_dict(),
                "choice": self.choice,
                "tradeoffs": self.tradeoffs(),
                "tradeoff_rule": TRADEOFF_RULE,
                "reports": {name: report.to_dict() for name, report in self.reports.items()},
            }
        )

    def to_json(self, path: str | os.PathLike | None = None, *, indent: int | None = 1) -> str:
        """Strict JSON: the leaderboard, the profile and its choice, the trade-offs with each
        candidate's place on the Pareto fronts, and every candidate's full report; written
        atomically to ``path``."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)
        if path is not None:
            write_atomic(path, text)
        return text

    def to_html(self, path: str | os.PathLike | None = None, *, cdn: bool = False) -> str:
        """One self-contained HTML page for every candidate: the leaderboard (and the profile's
        choice), the trade-off charts, the metrics side by side and each candidate's per-column
        scores; written atomically to ``path`` if given."""
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


def _standing(verdict: str) -> int:
    """The place of a verdict, best first (``not_measured`` last)."""
    return VERDICTS.index(verdict) if verdict in VERDICTS else len(VERDICTS)


def _missing(*values: Any) -> bool:
    return any(v is None or v != v for v in values)


def _overlap(a: dict, b: dict, keys: tuple[str, ...]) -> bool:
    verdict, _, low, high = keys
    if _standing(a[verdict]) != _standing(b[verdict]):
        return False
    if _missing(a[low], a[high], b[low], b[high]):
        return False
    return a[low] <= b[high] and b[low] <= a[high]


def _better(a: dict, b: dict, keys: tuple[str, ...]) -> bool:
    """``a`` is clearly better than ``b``: a better verdict, or the same verdict and a range wholly
    above (or, without ranges, a higher score)."""
    verdict, score, low, high = keys
    if _standing(a[verdict]) != _standing(b[verdict]):
        return _standing(a[verdict]) < _standing(b[verdict])
    if _missing(a[low], a[high], b[low], b[high]):
        return _value(a[score]) > _value(b[score])
    return a[low] > b[high]


def _rank(rows: list[dict], keys: tuple[str, ...], rank: str, tied: str) -> None:
    """Set each row's ``rank`` (1 + the rows clearly better) and ``tied`` (the rows it overlaps)
    by the verdict, score and range named in ``keys``."""
    for row in rows:
        others = [o for o in rows if o is not row]
        row[tied] = [o["candidate"] for o in others if _overlap(row, o, keys)]
        row[rank] = 1 + sum(_better(o, row, keys) for o in others)


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
        Any other argument of :func:`sdq.engine.evaluate` (``target``, ``metrics``, ``seed``, ``jobs``,
        ``profile``, ...); with ``profile`` the leaderboard ranks as the profile reads the reports.

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
