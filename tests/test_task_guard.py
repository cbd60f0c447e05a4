"""A target read as classes must be one: a continuous target given with task 'classification' is
an immediate, clear error (exit 2 in the CLI) that suggests regression, never minutes of work and
a MemoryError; an inferred categorical target with too many classes skips the model metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.cli import main
from sdq.schema import MAX_CLASSES

FAST = sdq.Config(models=("linear",), n_bootstrap=20)


def _frames(target_values, n=400, seed=0):
    """Real and holdout halves whose target ``target_values(rng, x)`` depends on the feature ``x``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "c": rng.choice(["a", "b"], n), "y": target_values(rng, x)})
    return frame.iloc[: n // 2].reset_index(drop=True), frame.iloc[n // 2 :].reset_index(drop=True)


def test_a_continuous_target_given_as_classification_is_refused_at_once():
    real, holdout = _frames(lambda rng, x: 2 * x + rng.normal(scale=0.3, size=len(x)))
    with pytest.raises(sdq.InputError, match=r"200 distinct values.*mostly unique.*task 'regression'"):
        sdq.evaluate(real, holdout, holdout, target="y", task="classification", metrics=["prediction"], config=FAST)
    # as regression it runs
    report = sdq.evaluate(real, holdout, holdout, target="y", task="regression", metrics=["prediction"], config=FAST)
    assert report["prediction"].status == "ok"


def test_at_most_max_classes_and_not_mostly_unique_is_accepted():
    # 50 classes: x cut at its quantiles (every class present in both halves)
    real, holdout = _frames(lambda rng, x: pd.qcut(x, MAX_CLASSES, labels=False))
    assert real["y"].nunique() == MAX_CLASSES
    report = sdq.evaluate(
        real, holdout, holdout, target="y", task="classification", metrics=["prediction"], config=FAST
    )
    assert report["prediction"].status == "ok"
    many, _ = _frames(lambda rng, x: pd.qcut(x, MAX_CLASSES + 1, labels=False), n=800)
    with pytest.raises(sdq.InputError, match=f"51 distinct values in {len(many)} rows: too many classes"):
        sdq.evaluate(many, holdout, holdout, target="y", task="classification", metrics=["prediction"], config=FAST)


def test_the_cli_says_it_in_one_line_with_exit_2(tmp_path, capsys):
    real, holdout = _frames(lambda rng, x: 2 * x + rng.normal(scale=0.3, size=len(x)))
    real.to_csv(tmp_path / "real.csv", index=False)
    holdout.to_csv(tmp_path / "holdout.csv", index=False)
    code = main(
        [
            "report",
            str(tmp_path / "real.csv"),
            str(tmp_path / "holdout.csv"),
            "--target",
            "y",
            "--task",
            "classification",
            "--output",
            str(tmp_path / "r.html"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--task regression" in err


def test_an_inferred_categorical_target_with_too_many_classes_skips_the_model_metrics():
    labels = np.array([f"level {i}" for i in range(80)], dtype=object)
    real, holdout = _frames(lambda rng, x: labels[pd.qcut(x, 80, labels=False)], n=800)
    report = sdq.evaluate(real, holdout, holdout, target="y", metrics=["prediction", "feature_importance"])
    for name in ("prediction", "feature_importance"):
        assert report[name].status == "skipped" and f"more than {MAX_CLASSES}" in report[name].message


def _fair_parts():
    from sdq.demo.data import load_fair

    frame = load_fair().sample(frac=1.0, random_state=0).reset_index(drop=True)
    return frame.iloc[:1500], frame.iloc[1500:2300].reset_index(drop=True), frame.iloc[2300:3100]


def test_a_model_metric_over_the_memory_budget_is_skipped_with_the_reason():
    real, holdout, synthetic = _fair_parts()
    report = sdq.evaluate(
        real,
        synthetic,
        holdout,
        target="had_affair",
        metrics=["prediction", "feature_importance", "augmentation"],
        config=sdq.Config(n_bootstrap=20, memory_budget_mb=1),
    )
    for name in ("prediction", "feature_importance", "augmentation"):
        result = report[name]
        assert result.status == "skipped", (name, result.status, result.message)
        assert "memory budget of 1 MB" in result.message and "Config.memory_budget_mb" in result.message


def test_the_model_kinds_over_the_budget_are_left_out_and_the_others_run():
    from sdq.config import Config
    from sdq.metrics.utility.models import memory_estimate

    real, holdout, synthetic = _fair_parts()
    config = sdq.Config(n_bootstrap=20)
    # the estimates of this evaluation's models (1,500 training rows, 8 features, 5 categorical)
    estimate = memory_estimate("classification", 1500, 8, 5, 2, config, test_rows=len(holdout))
    assert estimate["xgboost"] < estimate["random_forest"]
    budget = int((estimate["xgboost"] + estimate["random_forest"]) / 2 / 2**20)
    report = sdq.evaluate(
        real,
        synthetic,
        holdout,
        target="had_affair",
        metrics=["prediction", "feature_importance"],
        config=config.replace(memory_budget_mb=budget),
    )
    prediction = report["prediction"]
    assert prediction.status == "ok" and prediction.details["left_out_memory"] == ["random_forest"]
    notes = {m["model"]: m.get("note", "") for m in prediction.details["models"]}
    assert (
        "random_forest left out" in notes["random_forest"]
        and f"memory budget of {budget:,} MB" in notes["random_forest"]
    )
    assert "ratio" in next(m for m in prediction.details["models"] if m["model"] == "xgboost")
    assert prediction.details["memory_estimate_mb"]["random_forest"] > budget
    importance = {m["model"]: m for m in report["feature_importance"].details["models"]}
    assert "score" in importance["xgboost"] and "score" not in importance["random_forest"]
    assert Config().memory_budget_mb == 4096


def test_the_memory_estimate_grows_with_rows_features_and_classes():
    from sdq.metrics.utility.models import memory_estimate

    config = sdq.Config()
    base = memory_estimate("classification", 10_000, 10, 5, 2, config, test_rows=5_000)
    for changed in (
        memory_estimate("classification", 40_000, 10, 5, 2, config, test_rows=5_000),
        memory_estimate("classification", 10_000, 40, 20, 2, config, test_rows=5_000),
        memory_estimate("classification", 10_000, 10, 5, 30, config, test_rows=5_000),
    ):
        assert all(changed[kind] > base[kind] for kind in base), (changed, base)
    # by hand: xgboost on 10,000 rows of 10 features, two classes, 5,000 test rows: the kept
    # predictions (11 x 5,000 x 2 x 8), the bootstrap (3 x 200 x 2,000 x 2 x 8), the chance check
    # (3 x 199 x 5,000 x 8), the matrix (10,000 x 10 x 5) and gradients (10,000 x 16)
    assert base["xgboost"] == 11 * 5000 * 2 * 8 + 3 * 200 * 2000 * 2 * 8 + 3 * 199 * 5000 * 8 + 10_000 * (50 + 16)
