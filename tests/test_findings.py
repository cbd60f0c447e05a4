"""Findings and verdicts: the test of each gap, Holm's adjustment, the verdict rules, and how they
read data of known quality made from real tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from known_quality import shuffled  # tests/ is on the path
from scipy.stats import norm

import sdq
from sdq.result import MetricResult
from sdq.result.findings import ALPHA, family_verdicts, find, holm, worst

FIDELITY = ["statistics", "histogram_similarity", "tails", "mutual_information", "correlation"]


def ok(name, family, score, baseline, ci=None, columns=None):
    details = {"columns": columns} if columns is not None else {}
    return MetricResult(name, family, "ok", score=score, baseline=baseline, ci=ci, details=details)


# -- the test of one gap -------------------------------------------------------------------------
def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 -> 3 * 0.01, 2 * 0.03, max(1 * 0.04, 0.06)
    assert holm(np.array([0.01, 0.04, 0.03])).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert holm(np.array([0.5, 0.9])).tolist() == pytest.approx([1.0, 1.0])
    assert holm(np.array([])).tolist() == []


def test_a_metric_gap_is_tested_against_its_interval_by_hand():
    # interval half-width 0.049 -> se 0.025; gap 0.10, minimum effect 0.02:
    # z = 0.08 / (sqrt(2) * 0.025) = 2.263, p = 0.0118 (one test: no adjustment)
    [f] = find([ok("correlation", "fidelity", 0.80, 0.90, ci=[0.751, 0.849])])
    se = 0.049 / norm.ppf(0.975)
    z = 0.08 / (math.sqrt(2) * se)
    assert f.p_value == pytest.approx(norm.sf(z), rel=1e-6)
    assert f.severity == "minor" and f.gap == pytest.approx(0.10) and f.column is None
    # the same gap with a wider interval is within noise: no finding
    assert find([ok("correlation", "fidelity", 0.80, 0.90, ci=[0.70, 0.90])]) == []


def test_gaps_within_the_minimum_effect_are_never_findings_however_certain():
    assert find([ok("statistics", "fidelity", 0.975, 0.99, ci=[0.9749, 0.9751])]) == []
    column = {"column": "a", "score": 0.95, "baseline": 0.99, "se": 1e-6}
    assert find([ok("statistics", "fidelity", 0.99, 0.99, ci=[0.98, 1.0], columns=[column])]) == []


def test_columns_with_a_standard_error_are_tested_and_adjusted_together():
    columns = [{"column": c, "score": 0.9, "baseline": 0.95, "se": 0.01} for c in "abc"]
    columns.append({"column": "d", "score": 0.5, "baseline": 0.95, "se": 0.01})
    columns.append({"column": "e", "score": 0.2, "baseline": 0.95})  # no se: not tested
    found = find([ok("histogram_similarity", "fidelity", 0.78, 0.95, ci=[0.77, 0.79], columns=columns)])
    assert [(f.column, f.severity) for f in found] == [("d", "major"), (None, "major")]
    # five tests (the metric and four columns with se): the column's p is multiplied by at most 5
    raw = norm.sf((0.45 - 0.05) / (math.sqrt(2) * 0.01))
    assert found[0].p_value == pytest.approx(5 * raw, rel=1e-9) and "over 5 tests" in found[0].evidence


def test_without_an_interval_only_a_large_gap_counts():
    assert find([ok("exact_match", "privacy", 0.85, 0.94)]) == []
    [f] = find([ok("exact_match", "privacy", 0.5, 0.94)])
    assert f.p_value is None and f.severity == "major" and "no interval" in f.evidence


# -- verdicts ------------------------------------------------------------------------------------
def test_verdict_rules_and_the_worst_family_decides():
    results = [
        ok("histogram_similarity", "fidelity", 0.97, 0.97, ci=[0.96, 0.98]),
        ok("prediction", "utility", 0.85, 0.90, ci=[0.84, 0.86]),  # minor: 0.05 below, certain
        ok("exact_match", "privacy", 0.0, 1.0, ci=[0.0, 0.0]),  # a copy
    ]
    verdicts = family_verdicts(results, find(results))
    assert verdicts == {
        "fidelity": "on_par",
        "utility": "somewhat_below",
        "privacy": "well_below",
        "overall": "well_below",
    }
    # a family without a baseline is not judged, and the overall verdict cannot be on par
    no_holdout = [ok("histogram_similarity", "fidelity", 0.97, None, ci=[0.96, 0.98])]
    assert family_verdicts(no_holdout, find(no_holdout)) == {
        "fidelity": "no_baseline",
        "utility": "not_measured",
        "privacy": "not_measured",
        "overall": "no_baseline",
    }
    assert worst(["on_par", "no_baseline"]) == "no_baseline" and worst(["not_measured"]) == "not_measured"


def test_the_report_carries_findings_and_verdicts_in_its_json():
    results = [ok("correlation", "fidelity", 0.6, 0.9, ci=[0.55, 0.65])]
    report = sdq.Report(results, config={}, data={"holdout": {"rows": 1}}, manifest={}, sdq_version="0")
    data = report.to_dict()
    assert data["verdicts"]["overall"] == "well_below"
    [entry] = data["findings"]
    assert set(entry) == {
        "metric",
        "family",
        "column",
        "score",
        "baseline",
        "gap",
        "se",
        "p_value",
        "severity",
        "evidence",
    }
    again = sdq.Report.from_json(report.to_json())
    assert again.to_dict()["findings"] == data["findings"]


# -- data of known quality, from real tables ----------------------------------------------------
def _parts(frame: pd.DataFrame, seed: int = 0):
    rows = np.random.default_rng(seed).permutation(len(frame))
    n = len(frame) // 4
    return (frame.iloc[rows[2 * n :]], frame.iloc[rows[:n]], frame.iloc[rows[n : 2 * n]])


def _tables():
    import statsmodels.datasets.randhie as randhie
    from sklearn.datasets import load_breast_cancer

    from sdq.demo import load_fair

    return {
        "fair": load_fair(),
        "randhie": randhie.load_pandas().data,
        "breast_cancer": load_breast_cancer(as_frame=True).frame,
    }


@pytest.fixture(scope="module", params=["fair", "randhie", "breast_cancer"])
def variants(request):
    train, holdout, fresh = _parts(_tables()[request.param])
    numeric = [c for c in fresh.select_dtypes("number").columns if fresh[c].nunique() > 5]
    shifted = fresh.copy()
    shifted[numeric[0]] = shifted[numeric[0]] + 4 * train[numeric[0]].std()
    out = {"_shifted_column": numeric[0]}
    config = sdq.Config(n_bootstrap=50)
    for name, frame in {"fresh": fresh, "shifted": shifted, "shuffled": shuffled(fresh)}.items():
        out[name] = sdq.evaluate(train, frame, holdout=holdout, metrics=FIDELITY, config=config, seed=0)
    return out


def test_fresh_real_rows_have_no_finding(variants):
    fresh = variants["fresh"]
    assert fresh.findings == [] and fresh.verdicts["fidelity"] == "on_par"


def test_one_shifted_column_is_named_and_fails_the_family(variants):
    report = variants["shifted"]
    assert report.verdicts["fidelity"] == "well_below"
    shifted = variants["_shifted_column"]
    assert report.failing_columns()[0] == shifted
    # other columns fail only where they lost their dependence on the shifted one (pairwise metrics)
    others = {f.metric for f in report.findings if f.column not in (None, shifted)}
    assert others <= {"mutual_information", "correlation"}, others
    assert all(f.p_value is None or f.p_value <= ALPHA for f in report.findings)


def test_independent_columns_fail_on_dependence(variants):
    report = variants["shuffled"]
    assert report.verdicts["fidelity"] == "well_below"
    assert {"mutual_information", "correlation"} <= {f.metric for f in report.findings if f.severity == "major"}
