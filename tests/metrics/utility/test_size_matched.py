"""Size-matched utility models: the synthetic models train on as many rows as the baseline's, so
fresh real rows score at their baseline, and more synthetic rows alone do not raise the score."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

import sdq
from sdq.demo.data import load_fair
from sdq.metrics.utility.models import matched_rows
from sdq.metrics.utility.prediction import fold_spread

MODELS = ["prediction", "feature_importance"]
CONFIG = sdq.Config(n_bootstrap=50, models=("xgboost", "linear"))


@pytest.fixture(scope="module")
def fair():
    frame = load_fair().sample(frac=1.0, random_state=5).reset_index(drop=True)
    return frame.iloc[:2500], frame.iloc[2500:3500].reset_index(drop=True), frame.iloc[3500:].reset_index(drop=True)


def _train_rows(result) -> list[tuple[int, int]]:
    """Per model kind: the rows the size-matched synthetic model and the baseline model trained on."""
    return [(m["train_rows"]["synthetic"], m["baseline"]["train_rows"]) for m in result.details["models"]]


def test_fresh_rows_larger_than_the_holdout_score_at_their_baseline(fair):
    train, holdout, fresh = fair  # 2,866 fresh rows against a holdout of 1,000
    report = sdq.evaluate(train, fresh, holdout, target="had_affair", metrics=MODELS, config=CONFIG)
    for name in MODELS:
        result = report[name]
        low, high = result.ci
        assert low <= result.baseline <= high, (name, result.score, result.ci, result.baseline)
        assert result.details["size_matched"] is True
    prediction = report["prediction"]
    # both sides train on one half of the holdout's size (the halves: 500 rows each)
    assert _train_rows(prediction) == [(500, 500), (500, 500)]
    for model in prediction.details["models"]:
        assert [part["train_rows"] for part in model["folds"]] == [500, 500]
        assert sorted(part["rows"] for part in model["folds"]) == [500, 500]
        # the full-size figure: a model trained on every synthetic row, scored on the whole holdout
        assert model["full_size"]["train_rows"] == len(fresh)
    # trained on 2,866 rows, models do better than the baseline's trained on 500: not the headline
    assert prediction.details["score_full_size"] > prediction.baseline


def test_ten_times_more_synthetic_rows_train_models_of_the_same_size(fair):
    train, holdout, fresh = fair
    small_holdout = holdout.iloc[:300]
    scored = {
        size: sdq.evaluate(
            train, fresh.iloc[:size], small_holdout, target="had_affair", metrics=["prediction"], config=CONFIG
        )["prediction"]
        for size in (300, 2800)
    }
    for result in scored.values():
        assert _train_rows(result) == [(150, 150), (150, 150)]
        assert result.ci[0] <= result.baseline, (result.score, result.ci, result.baseline)
    # the full-size figure trains on every synthetic row
    assert [scored[n].details["models"][0]["full_size"]["train_rows"] for n in (300, 2800)] == [300, 2800]


def test_a_synthetic_set_smaller_than_the_holdout_trains_the_baseline_on_as_few_rows():
    frame = load_breast_cancer(as_frame=True).frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    train, holdout, synthetic = frame.iloc[:250], frame.iloc[250:450], frame.iloc[450:510]  # 60 synthetic rows
    result = sdq.evaluate(train, synthetic, holdout, target="target", metrics=["prediction"], config=CONFIG)[
        "prediction"
    ]
    assert result.status == "ok", result.message
    # 30 rows each: disjoint halves of the synthetic rows, and as many holdout rows
    assert _train_rows(result) == [(30, 30), (30, 30)]


def test_matched_rows_are_disjoint_of_one_size_and_inside_the_other_fold():
    rng = np.random.default_rng(0)
    folds = [np.sort(rng.choice(100, 50, replace=False))]
    folds.append(np.setdiff1d(np.arange(100), folds[0]))
    for n_synthetic, cap, size in ((1000, 20_000, 50), (60, 20_000, 30), (1000, 20, 20)):
        pairs = matched_rows(folds, n_synthetic, cap, np.random.default_rng(1))
        (s0, h0), (s1, h1) = pairs
        assert len(s0) == len(h0) == len(s1) == len(h1) == size
        assert len(np.intersect1d(s0, s1)) == 0 and s0.max() < n_synthetic
        # the baseline of fold 0 trains on rows of fold 1, and the other way round
        assert np.isin(h0, folds[1]).all() and np.isin(h1, folds[0]).all()


def test_fold_spread_by_hand():
    # pairs (0.9, 0.7) and (0.5, 0.5): one ratio's variance (0.02 + 0) / 2 = 0.01, the mean of two
    # 0.005; t(0.975, 2 degrees of freedom) = 4.3027
    half, df = fold_spread([[0.9, 0.7], [0.5, 0.5]])
    assert df == 2 and half == pytest.approx(4.302653 * np.sqrt(0.005), rel=1e-5)
    assert fold_spread([]) is None


def test_a_holdout_above_test_rows_is_sampled_for_the_models_and_says_so(fair):
    train, holdout, fresh = fair  # a holdout of 1,000 rows, 600 of them used
    config = CONFIG.replace(test_rows=600, n_bootstrap=0)
    report = sdq.evaluate(
        train, fresh, holdout, target="had_affair", metrics=["prediction", "augmentation"], config=config
    )
    prediction = report["prediction"]
    assert prediction.details["test"] == {"data": "holdout", "rows": 600, "sampled_from": 1000}
    # the baseline trains on one half of the sample, the synthetic models on as many rows
    assert _train_rows(prediction) == [(300, 300), (300, 300)]
    assert sum(f["rows"] for f in prediction.details["models"][0]["folds"]) == 600
    assert report["augmentation"].status in ("ok", "skipped"), report["augmentation"].message
    # above the cap nothing changes; --full lifts it
    whole = sdq.evaluate(
        train, fresh, holdout, target="had_affair", metrics=["prediction"], config=CONFIG.replace(n_bootstrap=0)
    )
    assert whole["prediction"].details["test"] == {"data": "holdout", "rows": 1000}
    assert config.full().test_rows > 10**12
