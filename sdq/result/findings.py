"""Findings: the metrics, columns and pairs whose synthetic score is below the holdout baseline by
more than noise explains, and the verdicts they decide.

A **test** is one score beside its holdout baseline with a standard error:

* a metric's score, with the standard error read from its 95% interval (the larger half-width
  divided by 1.96, so an interval clipped at 1 does not look narrow);
* a column's score in a metric whose per-column entries carry ``se`` (the standard error of that
  column's synthetic score, from the metric's own bootstrap); pairwise metrics give one entry per
  column, the dependence-weighted mean over the pairs that include it.

The baseline is the same statistic on a holdout sample of the same size, so its noise is taken to
be the score's: the standard error of the gap ``baseline - score`` is ``sqrt(2) * se`` (``se``
at least :data:`SE_FLOOR`). The test
is one-sided, against a minimum effect ``delta`` (:data:`MIN_EFFECT`; gaps up to it are "on
par" however much data there is, so huge data does not flag trivia)::

    H0: gap <= delta        z = (gap - delta) / (sqrt(2) * se)        p = 1 - Phi(z)

All tests of a report (every family, metric and column) are adjusted together with Holm's
step-down method, so the chance that fresh real data gets any finding at all is at most
:data:`ALPHA` when the standard errors are honest. A test whose Holm-adjusted p is at most
``ALPHA`` is a **finding**; its severity is ``major`` when the gap is larger than
:data:`BELOW` (0.10), else ``minor``. A metric with a baseline but no
interval has no standard error: it is a finding only when its gap exceeds ``BELOW``, and its
evidence says so.

Verdicts (:func:`family_verdicts`) come from findings, never from a mean alone:

==================  ============================================================================
``well_below``      some metric or column of the family has a major finding
``somewhat_below``  findings, all minor
``on_par``          no finding, and every ``ok`` metric of the family had a baseline to test
``no_baseline``     no finding, but some metric ran without a baseline (no holdout): not judged
``not_measured``    no metric of the family ran
==================  ============================================================================

The overall verdict is the worst family verdict, in that order (``not_measured`` families do not
count), so a candidate whose privacy fails is never "on par", and a report without a holdout
never claims to be.

A use-case profile (:mod:`sdq.result.profiles`) reads the same findings with its own severities
and adds one verdict, worse than ``well_below``: ``fails``, a major finding on a metric the use
depends on. The neutral verdicts here never say ``fails``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable

import numpy as np
from scipy.stats import norm

from sdq.result.metric_result import MetricResult

__all__ = [
    "Finding",
    "find",
    "holm",
    "tested",
    "family_verdicts",
    "metric_verdicts",
    "VERDICTS",
    "ALPHA",
    "MIN_EFFECT",
    "worst",
    "BELOW",
]

#: A finding whose gap is larger than this is ``major``.
BELOW = 0.10
#: Family-wise error rate of a report's findings (Holm across every test of the report).
ALPHA = 0.05
#: Gaps up to this are on par whatever the sample size: metric scores, and columns.
MIN_EFFECT = {"metric": 0.02, "column": 0.05}
#: Smallest standard error a test uses: a bootstrap whose replicates all agree (a column scoring 0
#: in every replicate) does not make its gap infinitely certain.
SE_FLOOR = 0.005
#: Verdicts from best to worst (``not_measured`` is outside the order; ``fails`` is a profile's
#: verdict only, see :mod:`sdq.result.profiles`).
VERDICTS = ("on_par", "no_baseline", "somewhat_below", "well_below", "fails")
_Z95 = float(norm.ppf(0.975))


@dataclass(frozen=True)
class Finding:
    """One metric (``column`` None) or one column of a metric whose score is below its baseline
    by more than noise and the minimum effect explain."""

    metric: str
    family: str
    column: str | None
    score: float
    baseline: float
    gap: float
    se: float | None  #: standard error of the gap; None where the metric has no interval
    p_value: float | None  #: Holm-adjusted one-sided p; None without a standard error
    severity: str  #: ``major`` (gap > 0.10) or ``minor``
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


@dataclass
class _Test:
    metric: str
    family: str
    column: str | None
    score: float
    baseline: float
    se: float | None

    @property
    def gap(self) -> float:
        return self.baseline - self.score

    @property
    def delta(self) -> float:
        return MIN_EFFECT["metric" if self.column is None else "column"]

    def p_raw(self) -> float | None:
        if self.se is None:
            return None
        sd = math.sqrt(2.0) * max(self.se, SE_FLOOR)
        return float(norm.sf((self.gap - self.delta) / sd))


def _metric_se(result: MetricResult) -> float | None:
    if not result.ci or None in result.ci or result.score is None:
        return None
    low, high = result.ci
    half = max(result.score - low, high - result.score, 0.0)
    return half / _Z95


def _tests(results: Iterable[MetricResult]) -> list[_Test]:
    tests = []
    for r in results:
        if r.status != "ok" or r.score is None or r.baseline is None:
            continue
        tests.append(_Test(r.name, r.family, None, float(r.score), float(r.baseline), _metric_se(r)))
        for entry in r.shape.column_scores(r.details):
            if entry.score is None or entry.baseline is None or entry.se is None:
                continue
            tests.append(_Test(r.name, r.family, entry.column, entry.score, entry.baseline, entry.se))
    return tests


def tested(results: Iterable[MetricResult]) -> list[tuple[str, str, str | None]]:
    """``(metric, family, column)`` of every test with a standard error (those Holm adjusts)."""
    return [(t.metric, t.family, t.column) for t in _tests(results) if t.se is not None]


def holm(p_values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Holm's step-down adjusted p-values (monotone, capped at 1); with ``weights``, the weighted
    Holm procedure (Holm 1979): each test gets the share ``w_i / sum(w)`` of the error rate, so
    tests given more weight are rejected more easily while the family-wise error rate stays at
    alpha. Step k (tests ordered by ``p / w``) adjusts ``p`` by the weight of the tests not yet
    rejected over its own weight; equal weights give Holm's ``(m - k + 1) p``. A test of weight 0
    is never rejected (adjusted p = 1).

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> holm(np.array([0.03, 0.3])).round(3).tolist()
    [0.06, 0.3]
    >>> holm(np.array([0.03, 0.3]), np.array([0.9, 0.1])).round(3).tolist()
    [0.033, 0.3]
    """
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    w = np.ones(m) if weights is None else np.asarray(weights, dtype=float)
    positive = w > 0
    safe = np.where(positive, w, 1.0)
    order = np.argsort(np.where(positive, p / safe, np.inf), kind="stable")
    remaining = np.cumsum(w[order][::-1])[::-1]  # the weight of the tests from each step on
    stepped = np.maximum.accumulate(np.where(positive[order], p[order] * remaining / safe[order], np.inf))
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def find(
    results: Iterable[MetricResult], weight: Callable[[str, str | None], float] | None = None, *, note: str = ""
) -> list[Finding]:
    """The findings of a report's metric results, worst gap first (ties in the order of the
    metrics and their columns).

    ``weight(metric, column)`` gives each test its weight in a weighted Holm procedure (see
    :func:`holm`); a use-case profile gives the metrics it decides on a larger share of the error
    rate (:mod:`sdq.result.profiles`). A test of weight 0 is left out. ``note`` ends each
    finding's evidence (what the weights were)."""
    tests = _tests(results)
    weights = None
    if weight is not None:
        tests = [t for t in tests if weight(t.metric, t.column) > 0]
        weights = np.array([weight(t.metric, t.column) for t in tests if t.se is not None], dtype=float)
    with_se = [t for t in tests if t.se is not None]
    adjusted = dict(zip(map(id, with_se), holm(np.array([t.p_raw() for t in with_se]), weights)))
    n = len(with_se)
    procedure = "weighted Holm" if weight is not None else "Holm"
    findings = []
    for t in tests:
        if t.se is None:
            if t.gap <= BELOW:
                continue
            p, evidence = None, f"gap {t.gap:.3f} > {BELOW:.2f} (no interval to test against)"
        else:
            p = float(adjusted[id(t)])
            if p > ALPHA:
                continue
            z = (t.gap - t.delta) / (math.sqrt(2.0) * max(t.se, SE_FLOOR))
            evidence = (
                f"gap {t.gap:.3f} exceeds {t.delta:.2f} by z = {z:.1f} standard errors; "
                f"{procedure}-adjusted one-sided p = {p:.2g} over {n} tests{note}"
            )
        findings.append(
            Finding(
                metric=t.metric,
                family=t.family,
                column=t.column,
                score=round(t.score, 6),
                baseline=round(t.baseline, 6),
                gap=round(t.gap, 6),
                se=None if t.se is None else round(math.sqrt(2.0) * max(t.se, SE_FLOOR), 6),
                p_value=p,
                severity="major" if t.gap > BELOW else "minor",
                evidence=evidence,
            )
        )
    return sorted(findings, key=lambda f: -f.gap)


def worst(verdicts: Iterable[str]) -> str:
    """The worst of some verdicts (``not_measured`` where none is measured)."""
    ranked = [v for v in verdicts if v in VERDICTS]
    return max(ranked, key=VERDICTS.index) if ranked else "not_measured"


def _verdict_of(results: list[MetricResult], findings: list[Finding]) -> str:
    ok = [r for r in results if r.status == "ok" and r.score is not None]
    if not ok:
        return "not_measured"
    if any(f.severity == "major" for f in findings):
        return "well_below"
    if findings:
        return "somewhat_below"
    if any(r.baseline is None for r in ok):
        return "no_baseline"
    return "on_par"


def metric_verdicts(results: Iterable[MetricResult], findings: list[Finding]) -> dict[str, str]:
    """Metric name -> verdict, from the metric's own findings (its score's and its columns')."""
    return {r.name: _verdict_of([r], [f for f in findings if f.metric == r.name]) for r in results}


def family_verdicts(results: Iterable[MetricResult], findings: list[Finding]) -> dict[str, str]:
    """``fidelity``, ``utility``, ``privacy`` and ``overall`` -> verdict (see the module)."""
    results = list(results)
    out = {
        family: _verdict_of([r for r in results if r.family == family], [f for f in findings if f.family == family])
        for family in ("fidelity", "utility", "privacy")
    }
    out["overall"] = worst(out.values())
    return out
