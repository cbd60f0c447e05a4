"""``augmentation``: synthetic rows added to scarce real training rows, against as many real rows.

The real table: RAND's health insurance experiment (statsmodels), with a rare class made from its
rare categories: ``poor_health`` is self-rated health fair or poor (9% of the rows); the other two
health dummies are left out (they would give it away). Scarce real data: 1,000 training rows; a
holdout of 4,000 rows (each half adds 2,000 real rows to the training rows, and scores the models
on the other half), and 4,000 fresh real rows, a perfect generator's output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

import sdq
from sdq.metrics.utility.augmentation import average_precision, gain_ratio, recall_at_precision

CONFIG = sdq.Config(n_bootstrap=50)


@pytest.fixture(scope="module")
def health():
    import statsmodels.datasets.randhie as randhie

    frame = randhie.load_pandas().data
    frame["poor_health"] = (frame["hlthf"] + frame["hlthp"]) > 0
    frame = frame.drop(columns=["hlthg", "hlthf", "hlthp"]).sample(frac=1.0, random_state=0).reset_index(drop=True)
    train, holdout, fresh = frame.iloc[:1000], frame.iloc[1000:5000], frame.iloc[5000:9000]
    return tuple(part.reset_index(drop=True) for part in (train, holdout, fresh))


def _score(train, synthetic, holdout, **kwargs):
    kwargs.setdefault("config", CONFIG)
    return sdq.evaluate(train, synthetic, holdout, target="poor_health", metrics=["augmentation"], **kwargs)[
        "augmentation"
    ]


@pytest.fixture(scope="module")
def scored(health):
    train, holdout, fresh = health
    rng = np.random.default_rng(0)
    shuffled = fresh.assign(poor_health=rng.permutation(fresh["poor_health"].to_numpy()))
    return {
        "fresh": _score(train, fresh, holdout),
        "target shuffled": _score(train, shuffled, holdout),
        "copy": _score(train, train.copy(), holdout),
    }


def test_fresh_rows_help_and_a_shuffled_target_hurts(scored):
    fresh, shuffled = scored["fresh"], scored["target shuffled"]
    assert fresh.status == shuffled.status == "ok", (fresh.message, shuffled.message)
    # fresh real rows help about as much as real holdout rows do (the baseline, 1.0, in the interval)
    assert fresh.score > 0.7 and fresh.ci[1] >= fresh.baseline == 1.0, (fresh.score, fresh.ci)
    # rows whose target says nothing about the features make the model worse: 0
    assert shuffled.score == 0.0 and shuffled.ci[1] < 0.25, (shuffled.score, shuffled.ci)
    for part in shuffled.details["models"]:
        assert part["gain"]["synthetic"] < 0 < part["gain"]["real"] and part["ratio"] < 0, part["gain"]
    # the interval holds the noise of the rows added and scored: the halves' spread, in units of the
    # real rows' gain (two pairs of halves per part: synthetic and real)
    spread = fresh.details["fold_spread"]
    assert spread["degrees_of_freedom"] == 4 and 0 < spread["half_width"] < 1, spread
    # a copy of the training rows adds no information: well below fresh rows
    assert scored["copy"].score < fresh.score - 0.3, scored["copy"].score


def test_the_minority_class_is_scored_on_its_own(scored):
    details = scored["fresh"].details
    assert details["minority"]["class"] == "1.0" and details["minority"]["share"] == pytest.approx(0.09, abs=0.02)
    whole, rare = details["models"]
    assert whole["model"] == "xgboost, all rows" and whole["measure"] == "auc"
    assert rare["model"] == "xgboost, minority class 1.0" and rare["measure"] == "pr_auc"
    for part in (whole, rare):
        # every score is on holdout rows the model never saw: the two halves, 2,000 rows each
        assert [f["rows"] for f in part["folds"]] == [2000, 2000]
        assert [f["added_rows"] for f in part["folds"]] == [2000, 2000]
        assert part["train_rows"] == {"real": 1000, "synthetic": 3000}
        # real + holdout rows beat real rows alone: the gain the synthetic rows are measured against
        assert part["baseline"]["score"] > part["trtr"]["score"]
        assert part["gain"]["real_ci"][0] > 0
    # the recall at a precision of 0.5: more minority rows found with more rows to learn from
    key = "recall_at_precision_0.5"
    assert rare["baseline"][key] > rare["trtr"][key]
    assert details["rows"] == {"real": 1000, "added": [2000, 2000], "scored": [2000, 2000]}
    assert details["labels"]["synthetic"] == "real + synthetic rows"


def test_no_measurable_gain_from_real_rows_is_said_not_divided(health):
    # a coin flip for a target: neither real nor synthetic rows can teach a model anything
    train, holdout, fresh = health
    rng = np.random.default_rng(1)
    coin = [part.assign(poor_health=rng.random(len(part)) < 0.1) for part in (train, holdout, fresh)]
    result = _score(*coin)
    assert result.status == "skipped"
    assert "does not measurably improve" in result.message and "real rows gain" in result.message


def test_row_order_does_not_change_the_scores_and_the_seed_is_the_only_randomness(health):
    train, holdout, fresh = health
    rng = np.random.default_rng(3)
    small = sdq.Config(n_bootstrap=20)
    a = _score(train, fresh, holdout, config=small)
    b = _score(train.iloc[rng.permutation(len(train))], fresh.iloc[rng.permutation(len(fresh))], holdout, config=small)
    c = _score(train[list(train.columns)[::-1]], fresh, holdout, config=small)
    assert a.status == "ok"
    assert b.score == pytest.approx(a.score, abs=1e-9) and c.score == a.score
    gain_a, gain_b = a.details["models"][0]["gain"], b.details["models"][0]["gain"]
    assert gain_b.keys() == gain_a.keys()
    for key, value in gain_a.items():  # numbers and [low, high] intervals
        assert np.ravel(gain_b[key]) == pytest.approx(np.ravel(value)), key
    again = _score(train, fresh, holdout, config=small)
    assert again.to_dict() == a.to_dict()
    # in a process of its own beside the other model metrics (two jobs), the same result
    both = sdq.evaluate(
        train,
        fresh,
        holdout,
        target="poor_health",
        metrics=["prediction", "augmentation"],
        config=small.replace(models=("xgboost",)),
        jobs=2,
    )
    assert both["augmentation"].to_dict() == a.to_dict()


def test_average_precision_matches_scikit_learn_with_ties_and_in_batches():
    rng = np.random.default_rng(0)
    y = rng.random((6, 200)) < 0.1
    score = np.round(rng.random((6, 200)) + 0.3 * y, 1)  # rounded: many ties
    expected = [average_precision_score(y[i], score[i]) for i in range(6)]
    np.testing.assert_allclose(average_precision(y, score), expected, rtol=1e-12)
    assert np.isnan(average_precision(np.zeros(5), np.arange(5.0)))


def test_recall_at_precision_by_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(20):
        y = rng.random(60) < 0.2
        score = np.round(rng.random(60) + 0.4 * y, 1)
        best = 0.0
        for threshold in np.unique(score):
            flagged = score >= threshold
            if y[flagged].mean() >= 0.6:
                best = max(best, y[flagged].sum() / y.sum())
        assert recall_at_precision(y, score, 0.6) == pytest.approx(best)


def test_gain_ratio_clips_and_handles_no_real_gain():
    got = gain_ratio(np.array([0.03, 0.06, -0.02, 0.01, -0.05]), np.array([0.06, 0.03, 0.04, 0.0, -0.01]))
    np.testing.assert_allclose(got, [0.5, 1.0, 0.0, 1.0, 0.0])


def test_it_is_a_default_utility_metric_that_needs_a_target_and_a_holdout():
    assert "augmentation" in sdq.metric_names("utility")
    real = pd.DataFrame({"x": np.arange(50.0), "y": np.arange(50) % 2 == 0})
    report = sdq.evaluate(real, real, target="y", metrics=["augmentation"])
    assert report["augmentation"].status == "skipped" and "no holdout" in report["augmentation"].message
