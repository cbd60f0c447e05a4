"""Use-case profiles: how one use of synthetic data weighs a report's scores and findings.

"The quality of synthetic data depends on its use": rows near the real outliers are what fraud
detection needs and a leak in a health-data release. A **profile** says how a use case reads a
report. It never changes a metric's score, nor the report's (neutral) findings and verdicts, which
are always shown beside the profile's:

``weights``
    family -> weight of the family in the profile's overall score (default 1; 0: the family does
    not count, neither in the score nor in the verdict).
``metrics``
    metric -> weight of the metric within its family (default 1; 0: the metric does not count,
    neither in the score nor in the verdict: its findings are set aside). Fidelity and utility are
    the weighted mean of their counted metrics; privacy stays the minimum of its counted metrics
    (the weakest link), so there a weight only says whether a metric counts.
``findings``
    metric or family -> how its findings count (a metric's entry beats its family's):

    ============  ==============================================================================
    ``decisive``  the use depends on it: a major finding there makes the profile's verdict
                  ``fails`` (not fit for this use)
    ``strict``    every finding counts as major (a minor gap beyond noise is already too much)
    ``normal``    as found (the default)
    ``lenient``   a major finding counts as minor (the use tolerates it)
    ============  ==============================================================================

    ``strict`` and ``decisive`` combine by listing the family as ``strict`` and the metric as
    ``decisive``: a minor finding on the metric becomes major, and so decides.
``gates``
    the profile's default thresholds, a table shaped like ``[thresholds]`` (read by the gates; a
    gate on a metric this installation does not have is left out).
``description``
    what the use needs: the reason its verdicts and choices state.

**Its findings.** A profile tests the same scores against the same baselines as the neutral
findings (:mod:`sdq.result.findings`: one-sided, beyond the minimum effect), with one change in
the multiplicity control: the metrics it decides on are named in advance, so their tests get half
of the report's 5% family-wise error rate (:data:`DECISIVE_SHARE`) and the other counted tests
share the other half (Holm's weighted step-down procedure; all of it to one group when the other
has no test). The family-wise error rate stays at 5%, and a decisive metric is tested with the
power its use needs: among a hundred column tests a single outlier test would need p below
0.0005, for ``health`` below 0.025. Tests of metrics the profile does not count are left out.
Then each finding counts as its treatment says (below).

Metrics are named, never looked up: a name the report does not hold (a metric of a newer sdq, a
plugin not installed) is weighed when present and listed as *not measured* when absent.

The profile's **score** is the family weights' mean of its family scores; its **range** applies
the same weights to each metric's 95% interval ends (a metric without an interval counts as
exact), as :func:`sdq.result.summary.family_ranges` does for the neutral score. Its **verdict**
per family comes from the family's counted findings as the profile counts them: ``fails`` (a
decisive finding), ``well_below`` (a major one), ``somewhat_below`` (minor ones), else as the
neutral rule says (``on_par``, ``no_baseline``, ``not_measured``); overall is the worst counted
family, ``fails`` worst of all.

Built-in profiles (:data:`BUILTIN`): ``ml-training``, ``fraud``, ``health`` (also named
``release``), ``test-data`` and ``analytics``. Users define their own in ``[profiles.NAME]``
tables of ``sdq.toml`` (:meth:`Profile.from_mapping`), optionally starting from a built-in
(``extends = "fraud"``).

Examples
--------
>>> fraud = Profile.named("fraud")
>>> fraud.metric_weight("tails"), fraud.metric_weight("outlier_privacy"), fraud.treatment("tails", "fidelity")
(4.0, 0.0, 'decisive')
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from sdq.errors import ConfigError
from sdq.result.findings import Finding, family_verdicts, find, tested, worst
from sdq.result.metric_result import MetricResult, json_safe
from sdq.result.summary import summarise

__all__ = [
    "Profile",
    "ProfileReading",
    "ProfileFinding",
    "BUILTIN",
    "ALIASES",
    "TREATMENTS",
    "FAMILIES",
    "profile_names",
    "resolve_profile",
    "read_profile",
]

FAMILIES = ("fidelity", "utility", "privacy")
#: How a profile counts the findings on a metric or family.
TREATMENTS = ("decisive", "strict", "normal", "lenient")
#: The keys of a profile's table.
KEYS = ("description", "extends", "weights", "metrics", "findings", "gates")
#: The share of a report's error rate (its 5% family-wise rate) that the tests of the metrics a
#: profile decides on get in its weighted Holm procedure; the other tests share the rest.
DECISIVE_SHARE = 0.5


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{where} must be a number >= 0. Got {value!r} instead.")
    return float(value)


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table (name = value, ...). Got {value!r} instead.")
    for key in value:
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(f"{where} has a key that is not a name: {key!r}.")
    return value


@dataclass(frozen=True)
class Profile:
    """A use case's reading of a report (see the module): weights, how findings count, gates.

    Parameters
    ----------
    name : str
    description : str
        What the use needs; stated with its verdicts and choices.
    weights : mapping
        Family -> weight in the overall score (missing families weigh 1).
    metrics : mapping
        Metric -> weight within its family (missing metrics weigh 1; 0: not counted).
    findings : mapping
        Metric or family -> ``decisive``, ``strict``, ``normal`` or ``lenient``.
    gates : mapping
        Default thresholds, shaped like the ``[thresholds]`` table.
    builtin : bool
        One of sdq's own profiles.
    extends : str or None
        The built-in profile a user's profile starts from.
    """

    name: str
    description: str = ""
    weights: Mapping[str, float] = field(default_factory=dict, hash=False)
    metrics: Mapping[str, float] = field(default_factory=dict, hash=False)
    findings: Mapping[str, str] = field(default_factory=dict, hash=False)
    gates: Mapping[str, Any] = field(default_factory=dict, hash=False)
    builtin: bool = False
    extends: str | None = None

    def __post_init__(self) -> None:
        where = f"profile {self.name!r}"
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError(f"A profile's name must be a non-empty string. Got {self.name!r} instead.")
        if not isinstance(self.description, str):
            raise ConfigError(f"The 'description' of {where} must be a string. Got {self.description!r} instead.")
        weights = {}
        for family, weight in _table(self.weights, f"The 'weights' of {where}").items():
            if family not in FAMILIES:
                raise ConfigError(
                    f"The 'weights' of {where} name {family!r}, which is not a family; families: {list(FAMILIES)}."
                )
            weights[family] = _number(weight, f"The weight weights.{family} of {where}")
        if weights and not any(weights.get(f, 1.0) > 0 for f in FAMILIES):
            raise ConfigError(f"The 'weights' of {where} leave no family counted: give one a weight above 0.")
        metrics = {
            name: _number(weight, f"The weight metrics.{name} of {where}")
            for name, weight in _table(self.metrics, f"The 'metrics' of {where}").items()
        }
        findings = {}
        for name, treatment in _table(self.findings, f"The 'findings' of {where}").items():
            if treatment not in TREATMENTS:
                raise ConfigError(
                    f"The value findings.{name} of {where} must be one of {list(TREATMENTS)}. Got {treatment!r} instead."
                )
            findings[name] = treatment
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "metrics", metrics)
        object.__setattr__(self, "findings", findings)
        object.__setattr__(self, "gates", dict(_table(self.gates, f"The 'gates' of {where}")))

    # -- reading the definition -----------------------------------------------------------------
    def family_weight(self, family: str) -> float:
        return float(self.weights.get(family, 1.0))

    def metric_weight(self, metric: str) -> float:
        return float(self.metrics.get(metric, 1.0))

    def counts(self, metric: str, family: str) -> bool:
        """Whether the metric counts in this profile's score and verdict."""
        return self.family_weight(family) > 0 and self.metric_weight(metric) > 0

    def treatment(self, metric: str, family: str) -> str:
        """How the findings on ``metric`` (of ``family``) count: its own entry, else its family's."""
        return self.findings.get(metric, self.findings.get(family, "normal"))

    def metric_names(self) -> list[str]:
        """The metrics this profile names (weights, findings and gates), in the order written."""
        names: list[str] = []
        for name in [*self.metrics, *self.findings]:
            if name not in FAMILIES:
                names.append(name)
        for target in self.gates:
            metric = str(target).split(":", 1)[0].strip()
            if metric.startswith("ci_low(") and metric.endswith(")"):
                metric = metric[len("ci_low(") : -1].strip()
            if metric not in (*FAMILIES, "overall", "findings"):
                names.append(metric)
        return list(dict.fromkeys(names))

    def own_metric_names(self) -> list[str]:
        """The metric names this profile's own table adds to the built-in it extends (all of them
        for a profile that extends none; none for a built-in)."""
        if self.builtin:
            return []
        inherited = set(BUILTIN[self.extends].metric_names()) if self.extends in BUILTIN else set()
        return [n for n in self.metric_names() if n not in inherited]

    def unknown_metrics(self, known: Iterable[str]) -> list[str]:
        """The metrics the profile's own table names that are not among ``known`` (built-ins may
        name metrics a build does not have: they are simply not measured)."""
        known = set(known)
        return [n for n in self.own_metric_names() if n not in known]

    def gate_table(self, known: Iterable[str] | None = None) -> tuple[dict[str, Any], list[str]]:
        """The gates as a ``[thresholds]`` table, and the targets left out because they name a
        metric not among ``known`` (every gate is kept when ``known`` is None)."""
        if known is None:
            return dict(self.gates), []
        known = set(known) | {*FAMILIES, "overall", "findings"}
        kept, left = {}, []
        for target, value in self.gates.items():
            metric = str(target).split(":", 1)[0].strip()
            if metric.startswith("ci_low(") and metric.endswith(")"):
                metric = metric[len("ci_low(") : -1].strip()
            if metric in known:
                kept[target] = value
            else:
                left.append(str(target))
        return kept, left

    def test_weights(self, results: Iterable[MetricResult]):
        """The weight of each test (metric, column) in the profile's findings: the tests of the
        metrics it decides on share :data:`DECISIVE_SHARE` of the error rate, the other counted
        tests the rest (all of it to either group when the other has no test); tests of metrics it
        does not count weigh 0. Used by :func:`sdq.result.findings.find` (weighted Holm)."""
        results = list(results)
        family_of = {r.name: r.family for r in results}
        groups = {"decisive": 0, "other": 0}
        for metric, family, _ in tested(results):
            if self.counts(metric, family):
                groups["decisive" if self.treatment(metric, family) == "decisive" else "other"] += 1
        share = {"decisive": DECISIVE_SHARE, "other": 1.0 - DECISIVE_SHARE}
        if not groups["decisive"] or not groups["other"]:
            share = {"decisive": 1.0, "other": 1.0}

        def weight(metric: str, column: str | None) -> float:
            family = family_of.get(metric, "")
            if not self.counts(metric, family):
                return 0.0
            group = "decisive" if self.treatment(metric, family) == "decisive" else "other"
            return share[group] / max(1, groups[group])

        return weight

    def test_note(self, results: Iterable[MetricResult]) -> str:
        """What the weights of :meth:`test_weights` were, for a finding's evidence."""
        decisive = sorted(
            {m for m, f, _ in tested(results) if self.counts(m, f) and self.treatment(m, f) == "decisive"}
        )
        if not decisive:
            return ""
        return f" ({', '.join(decisive)}: decisive for {self.name}, half of the error rate)"

    # -- forms -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {
                "name": self.name,
                "description": self.description,
                "builtin": self.builtin,
                "extends": self.extends,
                "weights": {f: self.family_weight(f) for f in FAMILIES},
                "metrics": dict(self.metrics),
                "findings": dict(self.findings),
                "gates": dict(self.gates),
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Profile":
        """A profile as :meth:`to_dict` wrote it (in a report's ``profile.definition``)."""
        if not isinstance(data, Mapping) or "name" not in data:
            raise ConfigError(f"not a profile definition: {data!r}")
        return cls(
            name=str(data["name"]),
            description=str(data.get("description") or ""),
            weights=dict(data.get("weights") or {}),
            metrics=dict(data.get("metrics") or {}),
            findings=dict(data.get("findings") or {}),
            gates=dict(data.get("gates") or {}),
            builtin=bool(data.get("builtin", False)),
            extends=data.get("extends"),
        )

    @classmethod
    def from_mapping(cls, name: str, table: Mapping[str, Any], *, where: str | None = None) -> "Profile":
        """A user's profile from its ``[profiles.NAME]`` table (keys :data:`KEYS`); ``extends``
        starts from a built-in profile: the user's ``weights``, ``metrics`` and ``findings``
        entries update the built-in's, and ``gates``, when given, replace its gates. Every problem
        is a :class:`~sdq.errors.ConfigError` naming the key (``profiles.NAME.KEY``)."""
        where = where or f"profiles.{name}"
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"A profile's name must be a non-empty string. Got {name!r} instead.")
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where} must be a table (description, extends, weights, metrics, findings, gates).")
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {list(KEYS)}.")
        if canonical(name) in BUILTIN or name in ALIASES:
            raise ConfigError(
                f"{where}: {name!r} is a built-in profile; give yours another name "
                f'(extends = "{canonical(name)}" starts from it).'
            )
        base = None
        extends = table.get("extends")
        if extends is not None:
            if not isinstance(extends, str) or canonical(extends) not in BUILTIN:
                raise ConfigError(
                    f"{where}.extends must name a built-in profile, one of {profile_names()}. Got {extends!r} instead."
                )
            base = BUILTIN[canonical(extends)]
        description = table.get("description", base.description if base else "")
        if not isinstance(description, str):
            raise ConfigError(f"{where}.description must be a string. Got {description!r} instead.")
        merged: dict[str, dict] = {}
        for key in ("weights", "metrics", "findings", "gates"):
            given = table.get(key, {})
            if not isinstance(given, Mapping):
                raise ConfigError(f"{where}.{key} must be a table (name = value, ...). Got {given!r} instead.")
            inherited = dict(getattr(base, key)) if base else {}
            # gates given replace the built-in's (a gate cannot be unset key by key); the other
            # tables update it (a weight of 1 or "normal" undoes an entry)
            merged[key] = dict(given) if key == "gates" and key in table else {**inherited, **dict(given)}
        for family, weight in merged["weights"].items():
            if family not in FAMILIES:
                raise ConfigError(f"{where}.weights.{family}: not a family; families: {list(FAMILIES)}.")
            _number(weight, f"{where}.weights.{family}")
        for metric, weight in merged["metrics"].items():
            _number(weight, f"{where}.metrics.{metric}")
        for target, treatment in merged["findings"].items():
            if treatment not in TREATMENTS:
                raise ConfigError(
                    f"{where}.findings.{target} must be one of {list(TREATMENTS)}. Got {treatment!r} instead."
                )
        try:
            return cls(
                name=name.strip(),
                description=description,
                builtin=False,
                extends=canonical(extends) if extends is not None else None,
                **merged,
            )
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None

    def with_name(self, name: str) -> "Profile":
        return dataclasses.replace(self, name=name)

    @classmethod
    def named(cls, name: str, defined: Mapping[str, "Profile"] | None = None) -> "Profile":
        """A built-in profile by name or alias (``release`` is ``health`` under its own name), or
        one of ``defined``; else a :class:`~sdq.errors.ConfigError` that lists the profiles."""
        return _named(name, defined)

    # -- reading a report --------------------------------------------------------------------------
    def read(self, results: Iterable[MetricResult], findings: Iterable[Finding]) -> "ProfileReading":
        """This profile's reading of a report's metric results and (neutral) findings."""
        return ProfileReading.of(self, list(results), list(findings))


@dataclass(frozen=True)
class ProfileFinding:
    """A report's finding as a profile counts it."""

    finding: Finding  #: as the profile's weighted test found it (its severity from the gap)
    severity: str  #: ``major`` or ``minor`` under the profile
    decisive: bool  #: a major finding on a metric the profile says decides: its verdict fails
    treatment: str  #: ``decisive``, ``strict``, ``normal`` or ``lenient``

    @property
    def changed(self) -> bool:
        return self.severity != self.finding.severity or self.decisive

    def to_dict(self) -> dict[str, Any]:
        f = self.finding
        return {
            "metric": f.metric,
            "family": f.family,
            "column": f.column,
            "score": f.score,
            "baseline": f.baseline,
            "gap": f.gap,
            "se": f.se,
            "p_value": f.p_value,
            "severity": self.severity,
            "found_severity": f.severity,
            "decisive": self.decisive,
            "treatment": self.treatment,
            "evidence": f.evidence,
        }


def _weighted(values: list[tuple[float, float]]) -> float | None:
    total = sum(w for _, w in values)
    return sum(v * w for v, w in values) / total if total > 0 else None


@dataclass
class ProfileReading:
    """What a profile makes of one report: its score, range and verdicts beside the neutral ones,
    the findings as it counts them, and what it named but the report does not measure."""

    profile: Profile
    summary: dict[str, float | None]
    summary_baseline: dict[str, float | None]
    intervals: dict[str, list[float] | None]
    verdicts: dict[str, str]
    findings: list[ProfileFinding]
    set_aside: list[Finding]  #: findings on metrics or families the profile does not count
    not_counted: list[str]  #: metrics that ran but the profile gives weight 0
    not_measured: dict[str, str]  #: metric the profile names -> why the report has no score for it
    neutral: dict[str, Any]

    @classmethod
    def of(cls, profile: Profile, results: list[MetricResult], findings: list[Finding]) -> "ProfileReading":
        ok = [r for r in results if r.status == "ok" and r.score is not None]
        counted = [r for r in ok if profile.counts(r.name, r.family)]

        def family_value(family: str, attribute: str) -> float | None:
            members = [r for r in counted if r.family == family and getattr(r, attribute) is not None]
            if not members:
                return None
            if family == "privacy":
                return float(min(getattr(r, attribute) for r in members))
            return _weighted([(float(getattr(r, attribute)), profile.metric_weight(r.name)) for r in members])

        def overall(values: Mapping[str, float | None]) -> float | None:
            return _weighted([(v, profile.family_weight(f)) for f, v in values.items() if v is not None])

        summary = {f: family_value(f, "score") for f in FAMILIES}
        summary["overall"] = overall(summary)
        baseline = {f: family_value(f, "baseline") for f in FAMILIES}
        baseline["overall"] = overall(baseline)
        intervals: dict[str, list[float] | None] = {}
        for family in FAMILIES:
            members = [r for r in counted if r.family == family]
            if not members:
                intervals[family] = None
                continue
            ends = [(r.ci[0], r.ci[1]) if r.ci and None not in r.ci else (r.score, r.score) for r in members]
            if family == "privacy":
                intervals[family] = [min(e[0] for e in ends), min(e[1] for e in ends)]
            else:
                weights = [profile.metric_weight(r.name) for r in members]
                intervals[family] = [_weighted(list(zip([e[i] for e in ends], weights))) for i in (0, 1)]
        present = {f: intervals[f] for f in FAMILIES if intervals[f] is not None}
        intervals["overall"] = [overall({f: v[i] for f, v in present.items()}) for i in (0, 1)] if present else None

        family_of = {r.name: r.family for r in results}
        set_aside = [f for f in findings if not profile.counts(f.metric, family_of.get(f.metric, f.family))]
        mine = []
        for f in find(results, profile.test_weights(results), note=profile.test_note(results)):
            treatment = profile.treatment(f.metric, f.family)
            family_strict = profile.findings.get(f.family) == "strict"
            severity = f.severity
            if treatment == "strict" or (family_strict and treatment == "decisive"):
                severity = "major"
            elif treatment == "lenient":
                severity = "minor"
            mine.append(ProfileFinding(f, severity, treatment == "decisive" and severity == "major", treatment))

        verdicts = {}
        for family in FAMILIES:
            members = [r for r in counted if r.family == family]
            found = [p for p in mine if p.finding.family == family]
            if profile.family_weight(family) <= 0 or not members:
                verdicts[family] = "not_measured"
            elif any(p.decisive for p in found):
                verdicts[family] = "fails"
            elif any(p.severity == "major" for p in found):
                verdicts[family] = "well_below"
            elif found:
                verdicts[family] = "somewhat_below"
            elif any(r.baseline is None for r in members):
                verdicts[family] = "no_baseline"
            else:
                verdicts[family] = "on_par"
        verdicts["overall"] = worst(verdicts.values())

        by_name = {r.name: r for r in results}
        not_measured = {}
        for name in profile.metric_names():
            r = by_name.get(name)
            if r is None:
                not_measured[name] = "not in this report"
            elif r.status != "ok" or r.score is None:
                not_measured[name] = f"{r.status}: {r.message}" if r.message else r.status
        not_counted = [r.name for r in ok if not profile.counts(r.name, r.family)]
        neutral = {"overall": summarise(results)["overall"], "verdict": family_verdicts(results, findings)["overall"]}
        return cls(profile, summary, baseline, intervals, verdicts, mine, set_aside, not_counted, not_measured, neutral)

    @property
    def verdict(self) -> str:
        return self.verdicts["overall"]

    def decisive(self) -> list[ProfileFinding]:
        return [p for p in self.findings if p.decisive]

    def reasons(self, limit: int = 3) -> list[str]:
        """Why the verdict is what it is, worst first, each with its numbers: the decisive
        findings, the other major findings (saying where the profile made them major), the major
        findings it counts as minor, and the metrics whose findings it sets aside; at most
        ``limit`` of each kind."""
        lines = []
        name = self.profile.name

        def where(f: Finding) -> str:
            return f"{f.metric}:{f.column}" if f.column is not None else f.metric

        def numbers(f: Finding) -> str:
            return f"{where(f)} {f.score:.3f} vs holdout {f.baseline:.3f}"

        for p in self.decisive()[:limit]:
            lines.append(f"{numbers(p.finding)}: decisive for {name}")
        major = [p for p in self.findings if p.severity == "major" and not p.decisive]
        for p in major[:limit]:
            raised = p.finding.severity == "minor"
            lines.append(f"{numbers(p.finding)}: major" + (f" for {name} ({p.treatment})" if raised else ""))
        lowered = [p for p in self.findings if p.severity == "minor" and p.finding.severity == "major"]
        for p in lowered[:limit]:
            lines.append(f"{numbers(p.finding)}: minor for {name} (lenient)")
        aside = list(dict.fromkeys(f.metric for f in self.set_aside))
        if aside:
            lines.append(f"not counted by {name}: the findings of {', '.join(aside)}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {
                "name": self.profile.name,
                "description": self.profile.description,
                "summary": self.summary,
                "summary_baseline": self.summary_baseline,
                "intervals": self.intervals,
                "verdicts": self.verdicts,
                "neutral": self.neutral,
                "findings": [p.to_dict() for p in self.findings],
                "set_aside": [f.to_dict() for f in self.set_aside],
                "not_counted": list(self.not_counted),
                "not_measured": dict(self.not_measured),
                "reasons": self.reasons(),
                "rule": RULE,
                "definition": self.profile.to_dict(),
            }
        )


#: How a profile's score and range are made (written into the report).
RULE = (
    "family scores: fidelity and utility the metric-weighted mean of the counted metrics, privacy the minimum; "
    "overall: the family-weighted mean; range: the same weights applied to each metric's 95% interval ends "
    "(a metric without an interval counts as exact)"
)


def _builtin(name: str, description: str, **tables: Any) -> Profile:
    return Profile(name=name, description=description, builtin=True, **tables)


#: sdq's own profiles, by name. Metrics named here that a build does not have are not measured.
BUILTIN: dict[str, Profile] = {
    p.name: p
    for p in (
        _builtin(
            "ml-training",
            "Training models on the synthetic rows instead of the real ones: utility first. Models trained on "
            "the synthetic rows must predict real rows as well as models trained on real ones (prediction "
            "decides) and rely on the same features; fidelity and privacy count less.",
            weights={"fidelity": 1, "utility": 3, "privacy": 1},
            metrics={"prediction": 3, "feature_importance": 2, "augmentation": 2, "detection": 2},
            findings={"prediction": "decisive", "feature_importance": "strict"},
            gates={
                "findings": "major",
                "prediction": {"min": 0.9, "on": "baseline", "allow_skipped": True},
                "utility": {"min": 0.9, "on": "baseline", "allow_skipped": True},
                "privacy": 0.9,
            },
        ),
        _builtin(
            "fraud",
            "Fraud and anomaly detection: the rare cases are the point. Tails, outliers and the minority "
            "class must be kept: tails and augmentation (which measures the minority class's recall) "
            "decide and weigh most. Synthetic rows near the real outliers are what this use needs, so "
            "outlier_privacy is not counted; copies of real rows still are.",
            weights={"fidelity": 2, "utility": 3, "privacy": 1},
            metrics={"tails": 4, "augmentation": 4, "prediction": 2, "detection": 1, "outlier_privacy": 0},
            findings={"tails": "decisive", "augmentation": "decisive"},
            gates={
                "findings": "major",
                # tails are noisy on small data (a few percent of the rows): the findings gate, where
                # tails decide, is the evidence; this gate is a floor
                "tails": {"min": 0.8, "on": "baseline", "allow_skipped": True},
                "augmentation": {"min": 0.9, "on": "baseline", "allow_skipped": True},
                "exact_match": 0.95,
            },
        ),
        _builtin(
            "health",
            "Releasing data about people (health records, a public release): privacy first. A real outlier "
            "reproduced in the synthetic rows is a leak: outlier_privacy, attribute_inference and "
            "singling_out decide, every privacy finding counts as major, and privacy weighs most.",
            weights={"fidelity": 1, "utility": 1, "privacy": 4},
            metrics={"outlier_privacy": 2, "attribute_inference": 2, "singling_out": 2, "linkability": 1},
            findings={
                "privacy": "strict",
                "outlier_privacy": "decisive",
                "attribute_inference": "decisive",
                "singling_out": "decisive",
            },
            gates={
                "findings": "major",
                "privacy": 0.9,
                "exact_match": 0.95,
                "outlier_privacy": 0.9,
                "singling_out": 0.9,
                "attribute_inference": 0.9,
            },
        ),
        _builtin(
            "test-data",
            "Test data for software: every row must keep the domain rules and formats (rules decide), "
            "privacy is strict (every privacy finding counts as major) and fidelity is loose (its findings, "
            "other than the rules', count as minor).",
            weights={"fidelity": 2, "utility": 0.5, "privacy": 2},
            metrics={"rules": 5, "statistics": 2},
            findings={"rules": "decisive", "privacy": "strict", "fidelity": "lenient", "utility": "lenient"},
            gates={
                "findings": "major",
                "rules": {"min": 0.99, "allow_skipped": True},
                "privacy": 0.9,
                "exact_match": 0.95,
            },
        ),
        _builtin(
            "analytics",
            "Analytics and reporting: summary statistics and aggregate queries must come out right "
            "(statistics and qscore decide); marginals and pairwise dependence weigh more than models.",
            weights={"fidelity": 3, "utility": 2, "privacy": 1},
            metrics={
                "statistics": 3,
                "qscore": 3,
                "histogram_similarity": 2,
                "correlation": 2,
                "mutual_information": 1,
                "prediction": 0.5,
                "feature_importance": 0.5,
            },
            findings={"statistics": "decisive", "qscore": "decisive"},
            gates={
                "findings": "major",
                "statistics": "0.95*baseline",
                "qscore": "0.95*baseline",
                "privacy": 0.9,
            },
        ),
    )
}
#: Other names of built-in profiles.
ALIASES = {"release": "health"}


def canonical(name: str) -> str:
    """A profile name with aliases resolved (``release`` -> ``health``)."""
    return ALIASES.get(name, name) if isinstance(name, str) else name


def profile_names() -> list[str]:
    """The names of the built-in profiles and their aliases."""
    return [*BUILTIN, *ALIASES]


def _named(name: str, defined: Mapping[str, Profile] | None = None) -> Profile:
    defined = dict(defined or {})
    if name in defined:
        return defined[name]
    if canonical(name) in BUILTIN:
        profile = BUILTIN[canonical(name)]
        return profile if name == profile.name else profile.with_name(name)
    raise ConfigError(f"Unknown profile {name!r}; the profiles are {[*profile_names(), *defined]}.")


def resolve_profile(value: Any, defined: Mapping[str, Profile] | None = None) -> Profile | None:
    """A profile from what a caller gives: None, a :class:`Profile`, a name (built-in, alias or
    one of ``defined``), or a mapping shaped like a ``[profiles.NAME]`` table with a ``name`` key."""
    if value is None or isinstance(value, Profile):
        return value
    if isinstance(value, str):
        return _named(value.strip(), defined)
    if isinstance(value, Mapping):
        table = dict(value)
        name = table.pop("name", "custom")
        return Profile.from_mapping(name, table, where=f"profile {name!r}")
    raise ConfigError(
        f"The 'profile' argument must be a profile name, an sdq Profile or a mapping. Got {type(value).__name__} instead."
    )


def read_profile(data: Any) -> Profile | None:
    """The profile of a report's JSON ``profile`` section (its ``definition``), or None."""
    if not isinstance(data, Mapping) or not isinstance(data.get("definition"), Mapping):
        return None
    return Profile.from_dict(data["definition"])
