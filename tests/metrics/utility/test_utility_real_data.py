"""Utility metrics on real data shipped with the dependencies: they rank data of known quality.

The fair survey is split three ways: training rows (what a generator saw), a holdout (the test
rows and the baseline) and a *fresh* real sample that plays a perfect generator's output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.demo.data import load_fair

UTILITY = ["prediction", "feature_importance", "qscore"]
# feature_importance: 8 models a side at most (these tests rank variants; the seed tests use the default)
CONFIG = sdq.Config(n_bootstrap=30, n_queries=300, importance_models=8)


@pytest.fixture(scope="module")
def parts():
    frame = load_fair().sample(frac=1.0, random_state=0).reset_index(drop=True)
    train, holdout, fresh = frame.iloc[:3000], frame.iloc[3000:4500], frame.iloc[4500:]
    return [p.reset_index(drop=True) for p in (train, holdout, fresh)]


@pytest.fixture(scope="module")
def variants(parts):
    train, holdout, fresh = parts
    rng = np.random.default_rng(0)
    target_shuffled = fresh.copy()
    target_shuffled["had_affair"] = rng.permutation(fresh["had_affair"].to_numpy())
    shuffled = pd.DataFrame({c: rng.permutation(fresh[c].to_numpy()) for c in fresh})
    noise = pd.DataFrame(
        {
            c: rng.uniform(train[c].min(), train[c].max(), len(fresh))
            if train[c].dtype.kind == "f"
            else rng.choice(train[c].unique(), len(fresh))
            for c in train
        }
    )
    return {"copy": train, "fresh": fresh, "target_shuffled": target_shuffled, "shuffled": shuffled, "noise": noise}


@pytest.fixture(scope="module")
def reports(parts, variants):
    train, holdout, _ = parts
    return {
        name: sdq.evaluate(train, data, holdout, target="had_affair", metrics=UTILITY, config=CONFIG)
        for name, data in variants.items()
    }


def test_all_run(reports):
    for name, report in reports.items():
        for metric in UTILITY:
            assert report[metric].status == "ok", (name, metric, report[metric].message)


def test_fresh_sample_scores_near_its_baseline(reports):
    fresh = reports["fresh"]
    for metric in ("prediction", "qscore"):
        assert fresh[metric].score >= fresh[metric].baseline - 0.1, metric
    assert fresh["prediction"].score > 0.8


def test_prediction_ranks_known_quality(reports):
    s = {name: r["prediction"].score for name, r in reports.items()}
    assert s["fresh"] > 0.8
    assert s["target_shuffled"] < 0.3
    assert s["shuffled"] < 0.5
    assert s["fresh"] - s["target_shuffled"] > 0.5


def test_feature_importance_drops_when_target_is_shuffled(reports):
    assert reports["target_shuffled"]["feature_importance"].score < reports["fresh"]["feature_importance"].score - 0.1


def test_qscore_ranks_copy_fresh_shuffled_noise(reports):
    s = {name: r["qscore"].score for name, r in reports.items()}
    # the copy (the training rows, more than the holdout) is scored at the holdout's size: a
    # subsample of the training rows, still above a fresh sample
    assert s["copy"] > 0.95
    assert s["copy"] > s["fresh"] > s["shuffled"] > s["noise"]


def test_details_carry_per_model_figures(reports):
    d = reports["fresh"]["prediction"].details
    assert d["task"] == "classification" and d["score_name"] == "auc"
    assert {m["model"] for m in d["models"]} == {"xgboost", "random_forest", "linear"}
    for m in d["models"]:
        assert {"auc", "accuracy", "macro_f1"} <= set(m["trtr"]) and "ratio" in m and "baseline" in m
    fi = reports["fresh"]["feature_importance"].details
    assert all(len(m["real"]["ranking"]) == len(fi["features"]) for m in fi["models"])
    assert reports["fresh"]["qscore"].details["n_queries"] == 300
    assert len(reports["fresh"]["qscore"].details["worst"]) == 10


def test_regression_and_multiclass_targets_work():
    from sklearn.datasets import load_diabetes, load_wine

    for frame, target, task in (
        (load_diabetes(as_frame=True).frame, "target", "regression"),
        (
            load_wine(as_frame=True).frame.assign(target=lambda f: f["target"].map({0: "a", 1: "b", 2: "c"})),
            "target",
            "classification",
        ),
    ):
        frame = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
        n = len(frame)
        train, holdout, fresh = frame.iloc[: n // 2], frame.iloc[n // 2 : 3 * n // 4], frame.iloc[3 * n // 4 :]
        r = sdq.evaluate(
            train, fresh, holdout, target=target, metrics=["prediction", "feature_importance"], config=CONFIG
        )
        assert (r["prediction"].status, r["feature_importance"].status) == ("ok", "ok"), task
        assert r["prediction"].details["task"] == task
        # fresh real rows are what a perfect generator gives: models trained on them predict the
        # holdout about as well as models trained on the real rows (0.85 and 1.0 here)
        assert r["prediction"].score > 0.7, (task, r["prediction"].score)


def test_one_class_synthetic_target_scores_zero_not_skipped(parts):
    # a generator that emits a single class is bad: a constant model (that class for every row) is
    # trained on it and scored as any other model, so the metrics say so instead of skipping
    train, holdout, fresh = parts
    one_class = fresh.assign(had_affair=False)
    r = sdq.evaluate(train, one_class, holdout, target="had_affair", metrics=UTILITY, config=CONFIG)
    for metric in ("prediction", "feature_importance"):
        assert r[metric].status == "ok", r[metric].message
        assert r[metric].score == 0.0
        assert r[metric].baseline > 0.3
    for model in r["prediction"].details["models"]:
        assert model["tstr"]["auc"] == 0.5 and "single class" in model["tstr"]["note"]
    for model in r["feature_importance"].details["models"]:
        assert model["synthetic"]["importance"] == [0.0] * len(r["feature_importance"].details["features"])
    assert r["qscore"].status == "ok"


def test_one_class_real_target_is_a_clear_skip(parts):
    train, holdout, fresh = parts
    r = sdq.evaluate(
        train.assign(had_affair=False),
        fresh,
        holdout.assign(had_affair=False),
        target="had_affair",
        metrics=UTILITY,
        config=CONFIG,
    )
    for metric in ("prediction", "feature_importance"):
        assert r[metric].status == "skipped" and "constant column" in r[metric].message, r[metric].message


def test_without_target_only_qscore_runs(parts):
    train, holdout, fresh = parts
    r = sdq.evaluate(train, fresh, holdout, metrics=UTILITY, config=CONFIG)
    statuses = {m.name: (m.status, m.message) for m in r}
    assert statuses == {
        "prediction": ("skipped", "no target column was given"),
        "feature_importance": ("skipped", "no target column was given"),
        "qscore": ("ok", None),
    }


def test_without_holdout_prediction_says_it_is_optimistic(parts):
    train, _, fresh = parts
    r = sdq.evaluate(train, fresh, target="had_affair", metrics=["prediction"], config=CONFIG)
    assert r["prediction"].status == "ok"
    assert r["prediction"].baseline is None
    assert "optimistic" in r["prediction"].message
