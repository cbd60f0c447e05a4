"""Privacy metrics on real data shipped with the dependencies: they rank data of known risk.

Data sets are split three ways: training rows (what a generator saw), a holdout (the baseline,
and the attacker's non-members) and a fresh real sample (what a perfect generator would give).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.demo.data import load_fair

PRIVACY = ["exact_match", "neighbours_privacy", "membership_inference", "outlier_privacy"]
CONFIG = sdq.Config(n_bootstrap=50)


def three_way(frame: pd.DataFrame):
    frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    n = len(frame)
    return (
        frame.iloc[: n // 2].reset_index(drop=True),
        frame.iloc[n // 2 : 3 * n // 4].reset_index(drop=True),
        frame.iloc[3 * n // 4 :].reset_index(drop=True),
    )


@pytest.fixture(scope="module")
def fair():
    return three_way(load_fair())


@pytest.fixture(scope="module")
def fair_reports(fair):
    train, holdout, fresh = fair
    rng = np.random.default_rng(0)
    noisy = train.copy()
    for c in ("age", "yrs_married", "children"):
        noisy[c] = train[c] + rng.normal(0, 0.01 * train[c].std(), len(train))
    shuffled = pd.DataFrame({c: rng.permutation(fresh[c].to_numpy()) for c in fresh})
    variants = {"copy": train, "noisy_copy": noisy, "fresh": fresh, "shuffled": shuffled}
    return {name: sdq.evaluate(train, data, holdout, metrics=PRIVACY, config=CONFIG) for name, data in variants.items()}


def test_copy_scores_near_zero(fair_reports):
    r = fair_reports["copy"]
    assert r["exact_match"].score == pytest.approx(0.0, abs=0.01)
    assert r["neighbours_privacy"].score < 0.05
    # fair is coarse: a fifth of fresh rows have an exact twin in training, which caps the attack
    assert r["membership_inference"].score < 0.3
    # every outlier is copied (the synthetic data is twice the holdout's size, which caps the score)
    assert r["outlier_privacy"].score < 0.5


def test_noisy_copy_passes_exact_match_but_not_the_others(fair_reports):
    r = fair_reports["noisy_copy"]
    assert r["exact_match"].score > 0.95
    assert r["neighbours_privacy"].score < 0.2
    assert r["membership_inference"].score < 0.4


def test_fresh_sample_scores_high_and_near_baseline(fair_reports):
    r = fair_reports["fresh"]
    for metric in PRIVACY:
        assert r[metric].score > 0.9, metric
        assert abs(r[metric].score - r[metric].baseline) < 0.1, metric
    assert r.summary["privacy"] == min(r[m].score for m in PRIVACY)


def test_fresh_sample_is_not_a_leak_on_data_with_many_natural_duplicates():
    import statsmodels.api as sm

    train, holdout, fresh = three_way(sm.datasets.randhie.load_pandas().data.iloc[:8000])
    r = sdq.evaluate(train, fresh, holdout, metrics=PRIVACY, config=CONFIG)
    assert r["exact_match"].details["holdout_share"] > 0.05  # natural duplicates exist
    for metric in PRIVACY:
        assert r[metric].score > 0.9, (metric, r[metric].score)
    copy = sdq.evaluate(train, train, holdout, metrics=["exact_match", "neighbours_privacy"], config=CONFIG)
    assert copy["exact_match"].score < 0.01 and copy["neighbours_privacy"].score < 0.05


def test_without_holdout(fair):
    train, _, fresh = fair
    r = sdq.evaluate(train, fresh, metrics=PRIVACY, config=CONFIG)
    assert r["exact_match"].status == "ok" and "no holdout" in r["exact_match"].message
    for metric in ("neighbours_privacy", "membership_inference", "outlier_privacy"):
        assert r[metric].status == "skipped" and "no holdout" in r[metric].message


def test_reports_hold_no_records_unless_asked(fair):
    train, holdout, _ = fair
    leaky = pd.concat([train.iloc[:300], holdout.iloc[:300]]).reset_index(drop=True)
    quiet = sdq.evaluate(
        train, leaky, holdout, metrics=PRIVACY + ["sensitive_match"], sensitive=train.iloc[:100], config=CONFIG
    )
    text = quiet.to_json()
    assert all("records" not in m.details for m in quiet)
    # no real row's full set of values appears in the JSON or HTML
    row = train.iloc[0]
    assert all(str(v) not in text for v in (row["occupation"] + '", "' + row["occupation_husb"],))
    loud = sdq.evaluate(
        train,
        leaky,
        holdout,
        metrics=["exact_match", "sensitive_match"],
        sensitive=train.iloc[:100],
        show_records=True,
        config=CONFIG,
    )
    assert loud["exact_match"].details["records"]
    assert loud["sensitive_match"].details["records"]
    json.loads(loud.to_json())


def test_sensitive_match(fair):
    train, holdout, fresh = fair
    sensitive = train.iloc[:200]
    clean = sdq.evaluate(train, fresh, holdout, sensitive=sensitive, metrics=["sensitive_match"], config=CONFIG)
    leaky_data = pd.concat([sensitive, fresh.iloc[200:]]).reset_index(drop=True)
    leaky = sdq.evaluate(train, leaky_data, holdout, sensitive=sensitive, metrics=["sensitive_match"], config=CONFIG)
    assert clean["sensitive_match"].score > 0.9
    assert leaky["sensitive_match"].score < clean["sensitive_match"].score - 0.1
    none = sdq.evaluate(train, fresh, holdout, metrics=["sensitive_match"], config=CONFIG)
    assert none["sensitive_match"].status == "skipped" and "sensitive" in none["sensitive_match"].message
